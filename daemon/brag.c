/* STUB: being written; replaced by the real module. */
#include "mash/brag.h"
const char *
brag_name(enum brag b)
{
	(void)b;
	return "red";
}
int
brag_parse(const char *s, enum brag *out)
{
	(void)s; *out = BRAG_RED;
	return 0;
}
enum brag
brag_rate(const json_t *referral, int64_t received_ms)
{
	(void)referral; (void)received_ms;
	return BRAG_RED;
}
