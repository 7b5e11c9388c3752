#!/bin/sh
# One mail alert end to end through a real Postfix from Debian: mashd runs
# Postfix's sendmail(8) against a private Postfix instance (its own config,
# queue and log under the test directory, no network listener) that
# delivers locally into a file.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || [ ! -x /usr/sbin/postfix ] || ! id postfix > /dev/null 2>&1; then
	skip "Postfix cannot run here: it needs root and Debian's postfix package (make deps installs it)"
	finish
	exit
fi
chmod 755 "$T"
P=$T/postfix
trap 'postfix -c "$P/etc" stop > /dev/null 2>&1; cleanup' EXIT
mkdir -p "$P/etc" "$P/queue" "$P/data" "$P/inbox"
chown postfix "$P/data"
chmod 1777 "$P/inbox"
cp /etc/postfix/master.cf "$P/etc/"
cat > "$P/etc/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
# No listener: this instance only takes mail from its sendmail(8).
master_service_disable = inet
myhostname = localhost.test
mydomain = localhost.test
myorigin = localhost.test
mydestination = localhost.test, localhost
relayhost =
alias_maps = hash:$P/etc/aliases
alias_database = hash:$P/etc/aliases
maillog_file_prefixes = $P
maillog_file = $P/maillog
biff = no
EOC
printf 'navigators: %s/inbox/navigators\n' "$P" > "$P/etc/aliases"
postalias "$P/etc/aliases"
postfix -c "$P/etc" check
postfix -c "$P/etc" start > "$T/postfix.out" 2>&1
expect "a private postfix starts" "$?" 0
cat > "$T/sendmail" <<EOS
#!/bin/sh
exec /usr/sbin/sendmail -C "$P/etc" "\$@"
EOS
chmod +x "$T/sendmail"
write_conf "
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@localhost.test\"; };
recipients = { navigators = [ \"navigators@localhost\" ]; };"
start_redis
start_mashd
expect "a red referral" "$(post "$FIX/red.json")" 201
R=$(jbody .id)
wait_for 30 "grep -q '^Subject: \\[$R\\] new RED referral' '$P/inbox/navigators'"
expect "Postfix delivered the Red alert to the navigators" "$?" 0
expect_match "delivered by Postfix" "$(cat "$P/inbox/navigators")" 'Received: by localhost.test \(Postfix'
expect_match "with mashd's Message-ID" "$(cat "$P/inbox/navigators")" "Message-Id: <.*\\.staff\\.$R@mashd>"
# Postfix logs the delivery after it has written the mailbox: wait for it.
wait_for 30 grep -Eq 'status=sent \(delivered to file' "$P/maillog"
expect_match "Postfix logged it as sent" "$(cat "$P/maillog")" 'status=sent \(delivered to file'
if grep -F -i -f "$FIX/NAMES" "$P/inbox/navigators" > "$T/leak"; then
	not_ok "no personal data in the delivered mail" "$(head -3 "$T/leak")"
else
	ok "no personal data in the delivered mail"
fi
postfix -c "$P/etc" stop > /dev/null 2>&1
finish
