#!/bin/sh
# TLS both ways, with the test's own CAs made here by openssl.
# Webhooks over https:// to a real local TLS receiver: the webhook's
# ca_file, or the system's CAs, verify it and it is delivered; a
# certificate of another CA, or for another name, is a failed delivery,
# retried and then a dead letter, with TLS's reason in the log; a plain
# http:// webhook is refused unless it says insecure = true.
# The intake listener with http.tls_cert and http.tls_key: curl with the
# CA gets its 201; plain HTTP to it fails cleanly; clients stalled in the
# handshake hold no one up and are closed at http.request_timeout; a key
# others may read is refused; SIGHUP reads a renewed certificate.
. "$(dirname "$0")/lib.sh"
SECRET=webhook-secret-0123456789

# ca NAME: a certificate authority. leaf NAME CA SUBJECT-ALT-NAMES: a
# server's certificate from it.
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 2 -subj "/CN=mash test $1" -keyout "$T/$1.key" \
		-out "$T/$1.pem" 2>> "$T/openssl.log"
}
leaf() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=$1" -keyout "$T/$1.key" -out "$T/$1.csr" \
		2>> "$T/openssl.log" &&
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$3" \
		> "$T/$1.ext" &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/$2.pem" -CAkey "$T/$2.key" \
		-CAcreateserial -days 2 -extfile "$T/$1.ext" -out "$T/$1.pem" \
		2>> "$T/openssl.log"
	chmod 600 "$T/$1.key"
}
ca ca && ca ca2 && leaf srv ca "DNS:localhost,IP:127.0.0.1" &&
	leaf other ca "DNS:gateway.example" && leaf srv2 ca2 "IP:127.0.0.1" ||
	{ cat "$T/openssl.log"; exit 1; }

# recv NAME CERT: a TLS receiver; its port in $T/NAME.port. They are
# stopped however the test ends (lib.sh's cleanup waits for children).
RECVS=
trap 'kill $RECVS 2>/dev/null; cleanup' EXIT
recv() {
	mkdir -p "$T/$1"
	python3 "$TOP/tests/tools/tls-recv.py" "$T/$1.port" "$T/$1" \
		"$T/$2.pem" "$T/$2.key" > /dev/null 2>> "$T/recv.log" &
	RECVS="$RECVS $!"
	wait_for 10 test -s "$T/$1.port" || { echo "no receiver $1"; exit 1; }
}
recv good srv
recv named other
P1=$(cat "$T/good.port")
P2=$(cat "$T/named.port")

# A plain http:// webhook without insecure = true: mashd -n names it.
write_conf "webhooks = (
  { name = \"plain-sms\"; url = \"http://127.0.0.1:$P1/plain\";
    events = [ \"red\" ]; secret = \"$SECRET\"; } );"
out=$("$MASHD" -n -c "$T/mashd.conf" 2>&1)
expect "mashd -n refuses a plain http:// webhook" "$?" 1
expect_match "naming the webhook and saying how" "$out" \
	'webhooks\[0\]\.url: webhook "plain-sms": http://.* is plain http.*insecure = true'
sed -i 's|events = \[ "red" \];|insecure = true; &|' "$T/mashd.conf"
expect_match "with insecure = true it is accepted" \
	"$("$MASHD" -n -c "$T/mashd.conf" 2>&1)" 'configuration OK'

hook() { # NAME URL [CA-FILE]
	echo "{ name = \"$1\"; url = \"$2\"; events = [ \"red\" ];
    secret = \"$SECRET\";${3:+ ca_file = \"$3\";} }"
}
write_conf "
alerts = { sendmail = \"\"; retry = { first = 1; max = 1; attempts = 2; };
  claim_idle = 12; timeout = 10; };
webhooks = (
  $(hook good "https://localhost:$P1/good" "$T/ca.pem"),
  $(hook system "https://localhost:$P1/system"),
  $(hook wrongca "https://localhost:$P1/wrongca" "$T/ca2.pem"),
  $(hook wrongname "https://localhost:$P2/wrongname" "$T/ca.pem"),
  $(hook ip "https://127.0.0.1:$P1/ip" "$T/ca.pem")
);"
start_redis
# The system's CAs, as OpenSSL finds them, are the test's CA here.
SSL_CERT_FILE=$T/ca.pem
export SSL_CERT_FILE
start_mashd
expect "a Red referral" "$(post "$FIX/red.json")" 201
R=$(jbody .id)
got() { grep -l "^$1\$" "$T"/good/*.req "$T"/named/*.req 2>/dev/null | head -1; }
wait_for 10 "[ -n \"\$(got /good)\" ]"
expect "delivered over TLS, verified by the webhook's ca_file" "$?" 0
expect_match "signed, with its event" "$(cat "$(got /good)")" \
	'X-Mash-Event: red'
expect_match "the body is the alert's" "$(tail -1 "$(got /good)")" "\"ref\":\"$R\""
wait_for 10 "[ -n \"\$(got /system)\" ]"
expect "delivered, verified by the system's CAs" "$?" 0
wait_for 10 "[ -n \"\$(got /ip)\" ]"
expect "delivered to an IP address its certificate names" "$?" 0
wait_for 10 "grep -q 'hook:wrongca failed: TLS' '$T/mashd.log'"
expect_match "another CA's certificate fails, with TLS's reason" \
	"$(grep 'hook:wrongca failed: TLS' "$T/mashd.log" | head -1)" \
	'TLS handshake failed: certificate not accepted: unable to get local issuer certificate'
wait_for 10 "grep -q 'hook:wrongname failed: TLS' '$T/mashd.log'"
expect_match "a certificate for another name fails, with TLS's reason" \
	"$(grep 'hook:wrongname failed: TLS' "$T/mashd.log" | head -1)" \
	'TLS handshake failed: certificate not accepted: hostname mismatch'
wait_for 20 "ctl alerts --state dead --json | jq -e 'length > 0'"
expect "retried, then a dead letter" "$?" 0
expect_match "whose last error is TLS's" \
	"$(ctl alerts --state dead --json | jq -r '.[0].last_error')" \
	'^hook:wrong(ca|name): TLS handshake failed: certificate not accepted'
expect "the failing webhooks' receivers got nothing" \
	"$(got /wrongca)$(got /wrongname)" ""
expect "each failing hook was tried again" \
	"$([ "$(grep -c 'hook:wrongca failed' "$T/mashd.log")" -ge 2 ] &&
	   [ "$(grep -c 'hook:wrongname failed' "$T/mashd.log")" -ge 2 ] && echo yes)" \
	yes
stop_mashd
unset SSL_CERT_FILE

# ---- The intake listener over TLS ----
HTTP_CONF="tls_cert = \"$T/srv.pem\"; tls_key = \"$T/srv.key\";
  request_timeout = 2; max_connections = 3;"
write_conf
chmod 640 "$T/srv.key"
out=$("$MASHD" -n -c "$T/mashd.conf" 2>&1)
expect "mashd -n refuses a key its group may read" "$?" 1
expect_match "naming the key and its mode" "$out" \
	'http\.tls_key: .*srv\.key: mode 0640: a private key must not be readable'
chmod 600 "$T/srv.key"
sed -i "s|tls_key = \"$T/srv.key\"|tls_key = \"$T/other.key\"|" "$T/mashd.conf"
out=$("$MASHD" -n -c "$T/mashd.conf" 2>&1)
expect "mashd -n refuses a key not of the certificate" "$?" 1
expect_match "saying so" "$out" 'other\.key: .*not the key of http\.tls_cert'
write_conf
URL_SCHEME=https
CURL_CA_BUNDLE=$T/ca.pem # curl's CA file
export CURL_CA_BUNDLE
start_mashd
expect_match "it says it listens with TLS" "$(grep 'http: listening' "$T/mashd.log" | tail -1)" '\(TLS\)'
expect "a POST over https gets 201" "$(post "$FIX/amber.json")" 201
expect_match "and its reference" "$(jbody .id)" '^MASH-'
curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/healthz"
rc=$?
expect "plain HTTP to the TLS port gets no answer" "$([ $rc -ne 0 ] && echo failed)" failed
expect "curl trusting another CA refuses mashd" \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca2.pem" "$URL/healthz")" 000
expect "mashd serves on after both" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200

# stall PORT SECONDS: a client that sends the first bytes of a TLS hello
# and no more; says "closed" when mashd closes it within SECONDS.
stall() {
	python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\x16\x03\x01\x02\x00")
s.settimeout(float(sys.argv[2]))
try:
    print("closed" if s.recv(1) == b"" else "answered")
except socket.timeout:
    print("open")
except ConnectionResetError:
    print("closed")
' "$@"
}
stall "$PORT" 15 > "$T/stall1" &
S1=$!
stall "$PORT" 15 > "$T/stall2" &
S2=$!
wait_for 5 "[ \$(ss -Htn state established '( sport = :$PORT )' | grep -c .) -ge 2 ]"
expect "two clients stall in the handshake" "$?" 0
expect "another client's POST still gets 201" \
	"$(post "$FIX/green.json" "" --max-time 10)" 201
wait "$S1" "$S2"
expect "a stalled handshake is closed at http.request_timeout" \
	"$(cat "$T/stall1") $(cat "$T/stall2")" "closed closed"
wait_for 5 "grep -q 'connection(s) were closed for not sending a whole request' '$T/mashd.log'"
expect "and counted in the rate-limited warning" "$?" 0

# SIGHUP reads a renewed certificate (here, another CA's).
cp "$T/srv2.pem" "$T/srv.pem"
cp "$T/srv2.key" "$T/srv.key"
kill -HUP "$MASHD_PID"
wait_for 30 "grep -q 'reload: .* read again' '$T/mashd.log'"
expect "SIGHUP reloads" "$?" 0
expect "new connections get the renewed certificate" \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca2.pem" "$URL/healthz")" 200
# A certificate that does not load keeps the running one.
echo garbage > "$T/srv.pem"
kill -HUP "$MASHD_PID"
wait_for 30 "grep -q 'reload: .*srv.pem: not a PEM certificate' '$T/mashd.log'"
expect "a broken certificate fails the reload" "$?" 0
expect "and the running one serves on" \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca2.pem" "$URL/healthz")" 200
finish
