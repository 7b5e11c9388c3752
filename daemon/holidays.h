/*
 * holidays: the bank holidays of one division, for calendar.c (SPEC
 * section 6): from a gov.uk-format bank-holidays.json for the years it
 * covers, by the usual rules of the division for any other year. Extra
 * and cancelled days are the calendar's, not these.
 */
#ifndef MASHD_HOLIDAYS_H
#define MASHD_HOLIDAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct holidays;

/* 0 england-and-wales, 1 scotland, 2 northern-ireland; -1 for another. */
int holidays_division(const char *name);
/*
 * The division's holidays, with `file`'s events when file is not NULL;
 * NULL with a sentence in err naming the division or the file and what
 * is wrong with it.
 */
struct holidays *holidays_new(const char *division, const char *file, char *err,
			      size_t errlen);
void holidays_free(struct holidays *hs);
/* A bank holiday on the local date `day` (days since epoch)? Its title,
 * when title is not NULL, lives as long as hs. */
bool holidays_on(const struct holidays *hs, int64_t day, const char **title);

#endif
