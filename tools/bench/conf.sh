# tools/bench/conf.sh: sourced by the benches (mash-bench, queue-stream.sh,
# submit-capture.sh). bench_conf SENDMAIL writes $T/mashd.conf for a
# mashd on $T/redis.sock, with the web form's token $WEB_TOKEN, repeat
# detection on (as a hub runs it) and alerts by SENDMAIL. allow_unsafe:
# mash-bench's references switch this Redis to appendfsync no and back
# while mashd runs, which mashd would otherwise notice and answer with
# 503s; mashd's own figures are all taken at "always".
WEB_TOKEN=bench-web-form-token-0123456789
bench_conf() {
	cat > "$T/mashd.conf" <<EOC
redis = { socket = "$T/redis.sock"; allow_unsafe = true; };
http = { address = "127.0.0.1"; port = 0; max_body = 65536; };
control = { socket = "$T/mashd.sock"; };
calendar = { holidays_file = "$TOP/conf/bank-holidays.json"; };
clients = (
  { name = "web-form"; token = "$WEB_TOKEN"; channel = "web"; }
);
repeat = { secret = "bench-repeat-secret-0123456789abcdef"; };
alerts = { sendmail = "$1"; };
EOC
	# It holds a token: mashd refuses it readable by others.
	chmod 600 "$T/mashd.conf"
}
