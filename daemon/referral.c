/* STUB: being written; replaced by the real module. */
#include "mash/referral.h"
const char *const referral_categories[] = {NULL};
json_t *
referral_parse(const char *body, size_t len, int64_t now_ms,
	       struct referral_error *err)
{
	(void)body; (void)len; (void)now_ms; (void)err;
	return NULL;
}
int
referral_validate(const json_t *root, int64_t now_ms, struct referral_error *err)
{
	(void)root; (void)now_ms; (void)err;
	return -1;
}
