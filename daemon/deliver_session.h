/*
 * deliver_session: alerts.sendmail_session's transport. Up to
 * mail.sessions `sendmail -bs` processes (sendmail's "SMTP on standard
 * input and output", as Postfix's and Exim's have it) are kept, and each
 * message is one SMTP transaction over one of them, so that many
 * messages cost one process. The 250 to the message's closing "." is
 * "sent" (the MTA took it), as sendmail's exit 0 is in the per-mail
 * mode; a 4xx or 5xx fails the attempt, a session that dies or does not
 * answer within the timeout fails it and is killed with its group.
 */
#ifndef MASHD_DELIVER_SESSION_H
#define MASHD_DELIVER_SESSION_H

#include <event2/event.h>

#include "deliver_mail.h"

struct sessions;

struct sessions *sessions_new(struct event_base *base);
/* Idle sessions are sent QUIT, the others killed; no callback runs. */
void sessions_free(struct sessions *ss);
/* As mailer_send; `done` runs exactly once, never from within the call
 * unless the message cannot be taken at all. */
void sessions_send(struct sessions *ss, const struct mail *mail,
		   mail_done_cb *done, void *arg);
/* The messages under way (waiting for a session, or in a transaction). */
unsigned sessions_running(const struct sessions *ss);
/* Every idle session is sent QUIT (the mode was switched off). */
void sessions_quit_idle(struct sessions *ss);

#endif
