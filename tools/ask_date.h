/*
 * ask_date: a date as a call handler types it on the telephone, made the
 * record's "YYYY-MM-DD". Pure: no I/O.
 */
#ifndef MASH_ASK_DATE_H
#define MASH_ASK_DATE_H

#define ASK_DATE_LEN 11 /* "YYYY-MM-DD" and its NUL */

/*
 * "DD/MM/YYYY" (the day and month may be one digit: 4/7/2018) or
 * "YYYY-MM-DD", naming a real calendar date, to "YYYY-MM-DD" in iso.
 * 0 on success; -1 with a sentence in *why (for the call handler) else.
 */
int ask_date_parse(const char *text, char iso[ASK_DATE_LEN], const char **why);

/* "unknown", in any case: the caller does not know the date. */
int ask_date_unknown(const char *text);

#endif
