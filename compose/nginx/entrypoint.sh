#!/bin/sh
# nginx of the RelayBox stack: one origin for every gateway.
#   entrypoint.sh                   render the config from RELAYBOX_PORT and RELAYBOX_UPSTREAMS, run nginx
#   entrypoint.sh reload "h:p ..."  replace the gateway list and reload nginx (the orchestrator's scale)
# Upstreams are a space-separated host:port list. In plain compose it is `gateway:9001`, a DNS name
# that resolves to every replica when nginx loads its config.
set -eu
CONF=/etc/relaybox-nginx/nginx.conf
OUT=/tmp/relaybox-nginx

render_upstreams() {
  mkdir -p "$OUT"
  {
    echo 'upstream relaybox_gateways {'
    # A gateway that refuses a connection is skipped for 5 s and the request goes to the next one.
    for server in $1; do echo "  server $server max_fails=1 fail_timeout=5s;"; done
    # nginx refuses an empty upstream block: with no gateway every request gets a 502.
    [ -n "$(echo "$1" | tr -d ' ')" ] || echo '  server 127.0.0.1:9 down;'
    echo '}'
  } >"$OUT/upstream.conf.next"
  mv "$OUT/upstream.conf.next" "$OUT/upstream.conf"
}

if [ "${1:-}" = reload ]; then
  render_upstreams "${2:-}"
  exec nginx -c "$CONF" -s reload
fi

render_upstreams "${RELAYBOX_UPSTREAMS:-gateway:9001}"
echo "listen ${RELAYBOX_PORT:-9000};" >"$OUT/listen.conf"
exec nginx -c "$CONF" -g 'daemon off;'
