"""LiveKit on a node: its config file and the boot script (EC2 user-data) that writes it.

Pure functions, so tests read exactly what a node will run. The API key and secret are not in
the user-data: the node fetches them from Secrets Manager at boot and the shell fills them in.

Scale-in drains instead of cutting calls (`drain_script`): when the group marks a node for
termination, LiveKit is stopped with SIGTERM — it then takes no new rooms and exits once its
rooms are empty (the matcher closes every room at its session's end, 15 minutes at most) —
while the NLB deregisters the node (its long deregistration delay keeps open signalling
connections alive; a reconnecting client lands on another node, which routes it through Redis
to the room's node). The terminate hook then holds the node in `Terminating:Wait`, where the
script heartbeats until LiveKit has exited and completes the hook.
"""

from __future__ import annotations

import base64
import re
import textwrap
from dataclasses import dataclass

SIGNAL_PORT = 7880
RTC_TCP_PORT = 7881
RTC_UDP_PORTS = (50000, 60000)
TURN_UDP_PORT = 3478
TURN_TLS_PORT = 5349
HOOK_NAME = "drain"
HEARTBEAT_S = 60  # how often a draining node tells the group it is alive
HOOK_TIMEOUT_S = 300  # a node that stops heartbeating is let go after this
AMI = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"
GRAVITON = re.compile(r"^[a-z]+\d+g[a-z]*\.")  # c7g.large, c7gn.xlarge, m6gd.large, t4g.small


def ami(instance_type: str) -> str:
    """Amazon Linux 2023 for the instance type's CPU (LiveKit's image is multi-arch)."""
    return AMI.format(arch="arm64" if GRAVITON.match(instance_type) else "x86_64")


@dataclass(frozen=True)
class NodeConfig:
    region: str
    domain: str  # the media NLB's name: wss:// for signalling (443), nothing else
    secret_arn: str  # JSON {"apiKey", "apiSecret"}
    redis_address: str  # host:port, TLS
    webhook_url: str
    version: str
    asg_name: str
    drain_seconds: int
    log_level: str = "info"
    # Browsers reach TURN/TLS at turns:<this>:443 (the TURN NLB); None: no TURN/TLS.
    turn_domain: str | None = None


def turn_tls(c: NodeConfig) -> str:
    """LiveKit's TURN/TLS keys, indented for `livekit_yaml`, or nothing without a TURN domain.

    LiveKit advertises its TURN/TLS as `turns:<turn.domain>:443`, always port 443, whatever
    `tls_port` is (`tls_port` is where it listens; `external_tls`: the NLB decrypts). Only a
    name whose 443 reaches `tls_port` may be that domain: the TURN NLB's (media_turn.py). With
    none, TURN/TLS stays off, so browsers are never sent to 443 of the signalling name.
    """
    if not c.turn_domain:
        return ""
    return (
        f"\n          domain: {c.turn_domain}"
        f"\n          tls_port: {TURN_TLS_PORT}"
        "\n          external_tls: true"
    )


def livekit_yaml(c: NodeConfig) -> str:
    """LiveKit's config; `${LIVEKIT_API_KEY}`/`${LIVEKIT_API_SECRET}` are filled in at boot."""
    return textwrap.dedent(
        f"""\
        port: {SIGNAL_PORT}
        bind_addresses:
          - ""
        logging:
          level: {c.log_level}
        rtc:
          tcp_port: {RTC_TCP_PORT}
          port_range_start: {RTC_UDP_PORTS[0]}
          port_range_end: {RTC_UDP_PORTS[1]}
          use_external_ip: true
        redis:
          address: {c.redis_address}
          use_tls: true
        turn:
          enabled: true
          udp_port: {TURN_UDP_PORT}{turn_tls(c)}
        room:
          # Only the matcher opens rooms: a token for a room it deleted (the session ended)
          # or never made must not bring one back into being.
          auto_create: false
        keys:
          ${{LIVEKIT_API_KEY}}: ${{LIVEKIT_API_SECRET}}
        webhook:
          api_key: ${{LIVEKIT_API_KEY}}
          urls:
            - {c.webhook_url}
        """
    )


def drain_script(c: NodeConfig) -> str:
    """`parley-drain`: what a node does when the group scales it in (docs/runbook.md).

    AWS's order: the group marks the node for termination (the instance metadata's target
    state turns `Terminated` at once), deregisters it from the NLB (the deregistration delay,
    `drainSeconds`) and only then holds it in `Terminating:Wait`, where the hook is active.
    So: stop LiveKit gracefully as soon as the target state says so (no new rooms; the
    deregistration runs meanwhile), wait for the group's own state to reach
    `Terminating:Wait`, heartbeat while LiveKit is still draining, then complete the hook once.
    """
    asg = f"--region {c.region} --auto-scaling-group-name {c.asg_name}"
    return textwrap.dedent(
        f"""\
        #!/bin/bash
        set -u
        IMDS=http://169.254.169.254/latest
        imds() {{
          local token
          token=$(curl -sf -X PUT "$IMDS/api/token" \\
            -H "X-aws-ec2-metadata-token-ttl-seconds: 300") \\
            && curl -sf -H "X-aws-ec2-metadata-token: $token" "$IMDS/meta-data/$1"
        }}
        running() {{
          [ "$(docker inspect -f '{{{{.State.Running}}}}' livekit 2>/dev/null)" = true ]
        }}
        hook() {{
          aws autoscaling "$1" {asg} --lifecycle-hook-name {HOOK_NAME} \\
            --instance-id "$ID" "${{@:2}}"
        }}
        until [ "$(imds autoscaling/target-lifecycle-state)" = Terminated ]; do sleep 10; done
        ID=$(imds instance-id)
        echo "parley-drain: leaving the group; LiveKit takes no new rooms"
        docker stop --time {c.drain_seconds} livekit >/dev/null 2>&1 &
        until [ "$(aws autoscaling describe-auto-scaling-instances --region {c.region} \\
            --instance-ids "$ID" --query 'AutoScalingInstances[0].LifecycleState' \\
            --output text)" = Terminating:Wait ]; do
          sleep 15
        done
        beat=0
        while running; do
          if [ $((beat % {HEARTBEAT_S // 10})) = 0 ]; then
            hook record-lifecycle-action-heartbeat
          fi
          beat=$((beat + 1))
          sleep 10
        done
        for _ in 1 2 3 4 5; do
          hook complete-lifecycle-action --lifecycle-action-result CONTINUE && exit 0
          sleep 10
        done
        exit 1
        """
    )


def user_data(c: NodeConfig) -> str:
    config = livekit_yaml(c)
    # The config goes through an unquoted heredoc: nothing but the two keys may expand.
    if config.replace("${LIVEKIT_API_KEY}", "").replace("${LIVEKIT_API_SECRET}", "").count("$"):
        raise ValueError("LiveKit config would expand more than its keys")
    if "`" in config:
        raise ValueError("LiveKit config must not contain backticks")
    return "\n".join(
        [
            "#!/bin/bash",
            "set -euo pipefail",
            "dnf install -y docker jq",
            "systemctl enable --now docker",
            f"SECRET=$(aws secretsmanager get-secret-value --region {c.region} "
            f"--secret-id '{c.secret_arn}' --query SecretString --output text)",
            'LIVEKIT_API_KEY=$(jq -r .apiKey <<<"$SECRET")',
            'LIVEKIT_API_SECRET=$(jq -r .apiSecret <<<"$SECRET")',
            "install -d -m 0700 /etc/livekit",
            "umask 077",
            "cat > /etc/livekit/livekit.yaml <<LIVEKIT",
            config.rstrip("\n"),
            "LIVEKIT",
            "unset SECRET LIVEKIT_API_KEY LIVEKIT_API_SECRET",
            "docker run -d --name livekit --restart unless-stopped --network host \\",
            "  -v /etc/livekit/livekit.yaml:/etc/livekit.yaml:ro \\",
            f"  livekit/livekit-server:{c.version} --config /etc/livekit.yaml",
            "cat > /usr/local/bin/parley-drain <<'DRAIN'",
            drain_script(c).rstrip("\n"),
            "DRAIN",
            "chmod 0755 /usr/local/bin/parley-drain",
            "cat > /etc/systemd/system/parley-drain.service <<'UNIT'",
            "[Unit]",
            "Description=Drain LiveKit when the Auto Scaling group terminates this node",
            "After=docker.service",
            "[Service]",
            "ExecStart=/usr/local/bin/parley-drain",
            "Restart=on-failure",
            "RestartSec=10",
            "[Install]",
            "WantedBy=multi-user.target",
            "UNIT",
            "systemctl daemon-reload",
            "systemctl enable --now parley-drain",
            "",
        ]
    )


def user_data_base64(c: NodeConfig) -> str:
    return base64.b64encode(user_data(c).encode()).decode()
