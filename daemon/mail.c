/*
 * mail.c owns the reading of a referral from a mail message; see mail.h.
 *
 * Every size is bounded: the MIME structure (mail_mime.c), then the
 * decoded attachment or body against max_body. Reasons quote field names and
 * line numbers, never a value: jansson's own error text quotes the body, so
 * only its line and column are kept.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <jansson.h>

#include "mash/referral.h"
#include "mash/words.h"

#include "mail.h"
#include "mail_mime.h"

/* The first reference in s (any case), standing alone, in capitals. */
static bool
find_ref(const char *s, char out[MASH_REF_LEN + 1])
{
	for (size_t i = 0; s != NULL && s[i] != '\0'; i++) {
		const char *p = s + i;

		if ((i == 0 || !isalnum((unsigned char)p[-1])) &&
		    mash_ref_at(p, true) &&
		    !isalnum((unsigned char)p[MASH_REF_LEN])) {
			for (size_t k = 0; k < MASH_REF_LEN; k++)
				out[k] = (char)toupper((unsigned char)p[k]);
			out[MASH_REF_LEN] = '\0';
			return true;
		}
	}
	return false;
}

/* ---- the form's "Field: value" body ---------------------------------- */

enum form_type {
	FORM_STRING, /* one line; indented lines continue it */
	FORM_TEXT,   /* every line up to the next field continues it */
	FORM_BOOL,   /* yes or no */
	FORM_WORD,   /* lower-cased, spaces to '_': "Not sought" */
	FORM_LIST,   /* comma-separated words: "neglect, domestic abuse" */
	FORM_NUMBER, /* a whole number: "7" */
};

/* The labels of the form (man/mashd.8) and where each goes in the
 * record of SPEC section 3. Compared lower-cased, spaces collapsed. */
static const struct form_field {
	const char *label;
	const char *group; /* NULL: the record itself */
	const char *key;
	enum form_type type;
} form_fields[] = {
    {"referrer name", "referrer", "name", FORM_STRING},
    {"referrer agency", "referrer", "agency", FORM_STRING},
    {"referrer relationship", "referrer", "relationship", FORM_STRING},
    {"referrer email", "referrer", "email", FORM_STRING},
    {"referrer phone", "referrer", "phone", FORM_STRING},
    {"referrer professional", "referrer", "professional", FORM_BOOL},
    {"referrer anonymous", "referrer", "anonymous", FORM_BOOL},
    {"child first name", "child", "first_name", FORM_STRING},
    {"child last name", "child", "last_name", FORM_STRING},
    {"child date of birth", "child", "dob", FORM_STRING},
    {"child unborn", "child", "unborn", FORM_BOOL},
    {"child age estimate", "child", "age_estimate", FORM_NUMBER},
    {"child expected date", "child", "expected_date", FORM_STRING},
    {"child gender", "child", "gender", FORM_STRING},
    {"child address", "child", "address", FORM_STRING},
    {"child postcode", "child", "postcode", FORM_STRING},
    {"child ethnicity", "child", "ethnicity", FORM_STRING},
    {"child first language", "child", "first_language", FORM_STRING},
    {"child religion", "child", "religion", FORM_STRING},
    {"child interpreter needed", "child", "interpreter_needed", FORM_BOOL},
    {"child disabilities", "child", "disabilities", FORM_STRING},
    {"child school", "child", "school", FORM_STRING},
    {"child gp", "child", "gp", FORM_STRING},
    {"child nhs number", "child", "nhs_number", FORM_STRING},
    {"concern categories", "concern", "categories", FORM_LIST},
    {"concern summary", "concern", "summary", FORM_TEXT},
    {"immediate risk", "concern", "immediate_risk", FORM_BOOL},
    {"consent", "consent", "status", FORM_WORD},
    {"consent reason", "consent", "reason", FORM_TEXT},
    {"parents informed", NULL, "parents_informed", FORM_BOOL},
    {"child location", NULL, "child_location", FORM_TEXT},
    {"child views", NULL, "child_views", FORM_TEXT},
    {"family views", NULL, "family_views", FORM_TEXT},
    {"desired outcome", NULL, "desired_outcome", FORM_TEXT},
    {"early help considered", "early_help", "considered", FORM_BOOL},
    {"early help summary", "early_help", "summary", FORM_TEXT},
    {"written confirmation of", NULL, "written_confirmation_of", FORM_STRING},
};
#define FORM_NFIELDS (sizeof(form_fields) / sizeof(form_fields[0]))

/* The field a line starts, or -1: "Label:" with a known label. */
static int
form_label(const char *line, size_t len, const char **value)
{
	char label[64];
	size_t n = 0;
	bool space = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == ':') {
			while (n > 0 && label[n - 1] == ' ')
				n--;
			label[n] = '\0';
			for (size_t f = 0; f < FORM_NFIELDS; f++)
				if (strcmp(label, form_fields[f].label) == 0) {
					*value = line + i + 1;
					return (int)f;
				}
			return -1;
		}
		if (ch == ' ' || ch == '\t' || ch == '_' || ch == '-') {
			space = n > 0;
			continue;
		}
		if (n + 3 >= sizeof(label))
			return -1;
		if (space)
			label[n++] = ' ';
		space = false;
		label[n++] = (char)tolower(ch);
	}
	return -1;
}

static void
trim_end(GString *s)
{
	while (s->len > 0 && strchr(" \t\r\n", s->str[s->len - 1]) != NULL)
		g_string_truncate(s, s->len - 1);
}

static const char *
skip_blank(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* "Domestic abuse" -> "domestic_abuse"; NULL when it is not UTF-8. */
static json_t *
form_word(const char *s, size_t len)
{
	char *w = g_ascii_strdown(s, (gssize)len);
	json_t *v;

	for (char *p = w; *p != '\0'; p++)
		if (*p == ' ' || *p == '-' || *p == '\t')
			*p = '_';
	v = json_string(w);
	g_free(w);
	return v;
}

/* A label as the form writes it: "Immediate risk". */
static const char *
form_name(const struct form_field *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s", f->label);
	buf[0] = (char)toupper((unsigned char)buf[0]);
	return buf;
}

static json_t *
form_value(const struct form_field *f, const GString *s, char *why,
	   size_t whylen)
{
	char name[64];
	json_t *v;

	switch (f->type) {
	case FORM_BOOL:
		if (g_ascii_strcasecmp(s->str, "yes") == 0 ||
		    g_ascii_strcasecmp(s->str, "true") == 0)
			return json_true();
		if (g_ascii_strcasecmp(s->str, "no") == 0 ||
		    g_ascii_strcasecmp(s->str, "false") == 0)
			return json_false();
		snprintf(why, whylen, "the form's \"%s\" must be yes or no",
			 form_name(f, name, sizeof(name)));
		return NULL;
	case FORM_NUMBER:
		/* At most 9 digits: the validator then says what range. */
		if (s->len > 0 && s->len < 10 &&
		    strspn(s->str, "0123456789") == s->len)
			return json_integer(atoi(s->str));
		snprintf(why, whylen,
			 "the form's \"%s\" must be a whole number",
			 form_name(f, name, sizeof(name)));
		return NULL;
	case FORM_WORD:
		v = form_word(s->str, s->len);
		break;
	case FORM_LIST: {
		gchar **parts = g_strsplit_set(s->str, ",;\n", -1);

		v = json_array();
		for (gchar **p = parts; *p != NULL && v != NULL; p++) {
			json_t *w;

			g_strstrip(*p);
			if (**p == '\0')
				continue;
			if ((w = form_word(*p, strlen(*p))) == NULL) {
				json_decref(v);
				v = NULL;
			} else {
				json_array_append_new(v, w);
			}
		}
		g_strfreev(parts);
		break;
	}
	default:
		v = json_stringn(s->str, s->len);
		break;
	}
	if (v == NULL)
		snprintf(why, whylen, "the form's \"%s\" is not UTF-8 text",
			 form_name(f, name, sizeof(name)));
	return v;
}

/*
 * The values of the form's fields in text, into val (indexed as
 * form_fields): the number of fields found, or -1 with `why` when one is
 * given twice.
 */
static int
form_lines(const char *text, GString **val, char *why, size_t whylen)
{
	const char *line = text;
	int cur = -1, nfound = 0;

	while (*line != '\0') {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);
		const char *value, *v, *e = end;
		int f;

		while (e > line && e[-1] == '\r')
			e--;
		if (e - line == 3 && memcmp(line, "-- ", 3) == 0)
			break; /* the signature */
		if ((f = form_label(line, (size_t)(e - line), &value)) >= 0) {
			if (val[f] != NULL) {
				char name[64];

				snprintf(why, whylen,
					 "the form gives \"%s\" twice",
					 form_name(&form_fields[f], name,
						   sizeof(name)));
				return -1;
			}
			v = skip_blank(value, e);
			val[f] = g_string_new_len(v, e - v);
			cur = f;
			nfound++;
		} else if (cur >= 0 && form_fields[cur].type == FORM_TEXT) {
			g_string_append_c(val[cur], '\n');
			g_string_append_len(val[cur], line, e - line);
		} else if (cur >= 0 && line < e &&
			   (*line == ' ' || *line == '\t') &&
			   skip_blank(line, e) < e) {
			v = skip_blank(line, e);
			g_string_append_c(val[cur], ' ');
			g_string_append_len(val[cur], v, e - v);
		} else {
			cur = -1; /* a greeting, a note: not the form's */
		}
		line = nl ? nl + 1 : end;
	}
	return nfound;
}

/* The record of SPEC section 3 from the values; NULL with `why`. */
static json_t *
form_record(GString **val, char *why, size_t whylen)
{
	json_t *rec = json_object();

	for (size_t f = 0; f < FORM_NFIELDS; f++) {
		const struct form_field *ff = &form_fields[f];
		json_t *v, *obj = rec;

		if (val[f] == NULL)
			continue;
		trim_end(val[f]);
		while (val[f]->len > 0 && strchr("\r\n", val[f]->str[0]))
			g_string_erase(val[f], 0, 1);
		if (val[f]->len == 0)
			continue; /* a blank is an absent field */
		if ((v = form_value(ff, val[f], why, whylen)) == NULL) {
			json_decref(rec);
			return NULL;
		}
		if (ff->group != NULL) {
			obj = json_object_get(rec, ff->group);
			if (obj == NULL) {
				obj = json_object();
				json_object_set_new(rec, ff->group, obj);
			}
		}
		json_object_set_new(obj, ff->key, v);
	}
	return rec;
}

/*
 * A referral from a body in the form's layout. Returns 1 with *out set,
 * 0 when no line starts a field of the form, -1 with `why` (a label, a
 * problem: never a value) when the form cannot be read.
 */
static int
form_parse(const char *text, json_t **out, char *why, size_t whylen)
{
	GString *val[FORM_NFIELDS] = {NULL};
	int rc = form_lines(text, val, why, whylen);

	if (rc > 0)
		rc = (*out = form_record(val, why, whylen)) != NULL ? 1 : -1;
	for (size_t f = 0; f < FORM_NFIELDS; f++)
		if (val[f] != NULL)
			g_string_free(val[f], TRUE);
	return rc;
}

/* ---- the message ----------------------------------------------------- */

struct walk {
	GMimePart *json; /* the first JSON attachment */
	int njson;
	GMimeTextPart *text; /* the first plain-text body */
	bool other_text;     /* HTML and the like: not a form */
};

static bool
is_json_part(GMimeObject *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
	const char *fn = g_mime_part_get_filename(GMIME_PART(part));
	size_t n = fn ? strlen(fn) : 0;

	if (sub != NULL &&
	    (g_ascii_strcasecmp(sub, "json") == 0 ||
	     (strlen(sub) > 5 &&
	      g_ascii_strcasecmp(sub + strlen(sub) - 5, "+json") == 0)))
		return true;
	return n > 5 && g_ascii_strcasecmp(fn + n - 5, ".json") == 0;
}

static void
walk_part(GMimeObject *parent, GMimeObject *part, gpointer arg)
{
	struct walk *w = arg;
	const char *disp = g_mime_object_get_disposition(part);
	GMimeContentType *ct = g_mime_object_get_content_type(part);

	(void)parent;
	if (!GMIME_IS_PART(part))
		return;
	if (is_json_part(part)) {
		if (w->njson++ == 0)
			w->json = GMIME_PART(part);
	} else if (GMIME_IS_TEXT_PART(part) &&
		   (disp == NULL || g_ascii_strcasecmp(disp, "attachment"))) {
		if (ct != NULL &&
		    g_mime_content_type_is_type(ct, "text", "plain")) {
			if (w->text == NULL)
				w->text = GMIME_TEXT_PART(part);
		} else {
			w->other_text = true;
		}
	}
}

/* A part's content, transfer-decoded; NULL when over max bytes. */
static GByteArray *
part_bytes(GMimePart *part, size_t max)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *ba;

	if (w == NULL)
		return g_byte_array_new();
	mem = g_mime_stream_mem_new();
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_mime_data_wrapper_write_to_stream(w, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_object_unref(mem);
	if (ba->len > max) {
		g_byte_array_free(ba, TRUE);
		return NULL;
	}
	return ba;
}

static void
from_json(struct mail *m, GMimePart *part, size_t max, int64_t now)
{
	GByteArray *ba = part_bytes(part, max);
	const char *body;
	struct referral_error rerr;
	json_error_t jerr;
	size_t len;
	json_t *rec;

	if (ba == NULL) {
		snprintf(m->reason, sizeof(m->reason),
			 "the JSON attachment is larger than http.max_body "
			 "(%zu bytes)",
			 max);
		return;
	}
	body = (const char *)ba->data;
	len = ba->len;
	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) {
		body += 3; /* a byte order mark, from Windows tools */
		len -= 3;
	}
	/* Its line and column only: jansson's text quotes the body. */
	rec = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			 &jerr);
	if (rec == NULL)
		snprintf(m->reason, sizeof(m->reason),
			 "the JSON attachment is not valid JSON (line %d, "
			 "column %d)",
			 jerr.line, jerr.column);
	else if (referral_validate(rec, now, &rerr) != 0)
		snprintf(m->reason, sizeof(m->reason),
			 "the referral in the JSON attachment breaks a rule: "
			 "%s",
			 rerr.message);
	else
		m->record = json_incref(rec);
	json_decref(rec);
	g_byte_array_free(ba, TRUE);
}

static void
from_form(struct mail *m, GMimeTextPart *part, size_t max, int64_t now)
{
	struct referral_error rerr;
	char *text = g_mime_text_part_get_text(part);
	json_t *rec = NULL;
	int rc;

	if (text == NULL) {
		snprintf(m->reason, sizeof(m->reason),
			 "the plain-text body cannot be read");
		return;
	}
	if (strlen(text) > max) {
		snprintf(m->reason, sizeof(m->reason),
			 "the message body is larger than http.max_body (%zu "
			 "bytes)",
			 max);
		g_free(text);
		return;
	}
	rc = form_parse(text, &rec, m->reason, sizeof(m->reason));
	g_free(text);
	if (rc == 0)
		snprintf(m->reason, sizeof(m->reason),
			 "no referral found: no JSON attachment, and no line "
			 "of the body starts a field of the form (\"Child "
			 "first name: ...\")");
	if (rc <= 0)
		return;
	if (referral_validate(rec, now, &rerr) != 0)
		snprintf(m->reason, sizeof(m->reason),
			 "the referral in the body breaks a rule: %s",
			 rerr.message);
	else
		m->record = json_incref(rec);
	json_decref(rec);
}

void
mail_parse(struct mail *m, const char *buf, size_t len, size_t max_body,
	   int64_t now)
{
	GMimeMessage *mm;
	struct walk w = {0};

	memset(m, 0, sizeof(*m));
	if (len == 0) {
		snprintf(m->reason, sizeof(m->reason), "the file is empty");
		return;
	}
	mm = mail_mime_parse(buf, len, m->reason, sizeof(m->reason));
	if (mm == NULL)
		return;
	find_ref(g_mime_message_get_subject(mm), m->ref);
	g_mime_message_foreach(mm, walk_part, &w);
	if (w.njson > 1)
		snprintf(m->reason, sizeof(m->reason),
			 "the message has %d JSON attachments: one referral "
			 "per message",
			 w.njson);
	else if (w.json != NULL)
		from_json(m, w.json, max_body, now);
	else if (w.text != NULL)
		from_form(m, w.text, max_body, now);
	else
		snprintf(m->reason, sizeof(m->reason),
			 "no referral found: no JSON attachment and no "
			 "plain-text body%s",
			 w.other_text ? " (only HTML or other text)" : "");
	g_object_unref(mm);
}

void
mail_clear(struct mail *m)
{
	json_decref(m->record);
	memset(m, 0, sizeof(*m));
}

/* GMime counts its users: alert.c's mail and this one share it. */
void
mail_init(void)
{
	g_mime_init();
}

void
mail_shutdown(void)
{
	g_mime_shutdown();
}
