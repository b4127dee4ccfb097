#!/bin/sh
# Stand-in for the official rabbitmq image's entrypoint, on Debian's RabbitMQ: the default user and
# password from RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS (the image's contract), reachable from other
# containers, data in /var/lib/rabbitmq, run as the rabbitmq user.
set -eu
[ "${1:-rabbitmq-server}" = rabbitmq-server ] || exec "$@"
mkdir -p /etc/rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
{
  echo "loopback_users = none"
  [ -z "${RABBITMQ_DEFAULT_USER:-}" ] || echo "default_user = $RABBITMQ_DEFAULT_USER"
  [ -z "${RABBITMQ_DEFAULT_PASS:-}" ] || echo "default_pass = $RABBITMQ_DEFAULT_PASS"
} > /etc/rabbitmq/rabbitmq.conf
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
chmod 600 /etc/rabbitmq/rabbitmq.conf && chown rabbitmq /etc/rabbitmq/rabbitmq.conf
# rabbitmq-diagnostics (the health check) runs as root: it needs the node's Erlang cookie too.
export HOME=/var/lib/rabbitmq
exec runuser -u rabbitmq -- /usr/lib/rabbitmq/bin/rabbitmq-server
