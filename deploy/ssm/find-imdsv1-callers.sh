#!/bin/sh
# imds-bot find-imdsv1-callers (report v1)
#
# Which processes on this instance call the instance metadata service without a session token
# (IMDSv1)? The approach of AWS's IMDS packet analyzer (github.com/aws/aws-imds-packet-analyzer),
# without its BCC dependency: for a bounded time, watch the HTTP requests sent to IMDS
# (169.254.169.254 and fd00:ec2::254, port 80) with tcpdump, sample the owning process of every
# socket to IMDS with ss, then count per process the requests that carry no
# X-aws-ec2-metadata-token header.
#
# READ-ONLY: it changes no setting, installs nothing and signals no process. It writes only its own
# capture under a private mktemp directory, removed on exit. Runs under sh (AWS-RunShellScript) as
# root; the imds-bot sends it with SSM Run Command after an approver approved a find-caller request.
#
# Usage: find-imdsv1-callers.sh [seconds]           watch for 5..300 seconds (default 60)
#        find-imdsv1-callers.sh --parse CAPTURE SOCKETS SECONDS
#                                                    only the report, from saved tcpdump -A and
#                                                    ss -tnp output (the part the tests run)
#
# Output (tab-separated, one record per line; the bot parses it, src/domain/fixes/callers.ts):
#   imds-v1-callers<TAB>1
#   status<TAB>ok | unavailable<TAB>reason
#   window<TAB>seconds
#   requests<TAB>total<TAB>without token
#   caller<TAB>pid or -<TAB>v1 requests<TAB>v2 requests<TAB>process name or -<TAB>last v1 path<TAB>command line or -
#   end
# A request whose socket closed between two ss samples has no process: its caller line says `-`.

set -u
LC_ALL=C
export LC_ALL

header() { printf 'imds-v1-callers\t1\n'; }
unavailable() {
  header
  printf 'status\tunavailable\t%s\n' "$1"
  printf 'end\n'
  exit 0
}

# The report from a tcpdump -A capture and ss -tnp samples. Pure text processing (POSIX awk).
parse_report() {
  awk -v window="$3" -v sockets="$2" '
    # one request ends: a PUT (the token request) or one carrying the token header is IMDSv2
    function flush() {
      if (method == "") return
      total++
      if (method == "PUT" || token) v2[port]++
      else { v1[port]++; last[port] = path; nv1++ }
      method = ""; token = 0; path = ""
    }
    function owner(p) { return (p in pid) ? pid[p] : "-" }
    BEGIN {
      # ss -tnp: State Recv-Q Send-Q Local:Port Peer:Port users:(("name",pid=N,fd=M))
      while ((getline line < sockets) > 0) {
        n = split(line, f, /[ \t]+/)
        local = ""
        for (i = 2; i <= n; i++)
          if (f[i] ~ /^(169\.254\.169\.254|\[?fd00:ec2::254\]?):80$/) { local = f[i - 1]; break }
        if (local == "" || match(line, /users:\(\("[^"]*",pid=[0-9]+/) == 0) continue
        u = substr(line, RSTART + 9, RLENGTH - 9)
        q = index(u, "\",pid=")
        p = local; sub(/.*:/, "", p)
        comm[p] = substr(u, 1, q - 1); gsub(/\t/, " ", comm[p])
        pid[p] = substr(u, q + 6)
      }
    }
    # a packet to IMDS: "... IP 10.0.0.5.45678 > 169.254.169.254.80: ..." (IP6 ... > fd00:ec2::254.80:)
    / IP6? [^ ]+ > (169\.254\.169\.254|fd00:ec2::254)\.80: / {
      flush()
      for (i = 1; i < NF; i++) if ($(i + 1) == ">") { port = $i; break }
      sub(/.*\./, "", port)
      next
    }
    port != "" && match($0, /(GET|PUT|POST|HEAD|DELETE) \/[^ ]* HTTP\/1\.[01]/) {
      flush()
      split(substr($0, RSTART, RLENGTH), r, " ")
      method = r[1]; path = r[2]
      next
    }
    method != "" && tolower($0) ~ /^x-aws-ec2-metadata-token(-ttl-seconds)?:/ { token = 1 }
    END {
      flush()
      printf "imds-v1-callers\t1\nstatus\tok\nwindow\t%d\nrequests\t%d\t%d\n", window, total, nv1
      for (p in v1) { k = owner(p); calls[k] += v1[p]; name[k] = (p in comm) ? comm[p] : "-"; where[k] = last[p] }
      for (p in v2) { k = owner(p); ok[k] += v2[p] }
      n = 0
      for (k in calls) keys[++n] = k
      # most IMDSv1 requests first, then by pid; at most 50 callers
      for (i = 2; i <= n; i++) {
        k = keys[i]
        for (j = i - 1; j >= 1 && (calls[keys[j]] < calls[k] || (calls[keys[j]] == calls[k] && keys[j] > k)); j--)
          keys[j + 1] = keys[j]
        keys[j + 1] = k
      }
      for (i = 1; i <= n && i <= 50; i++)
        printf "caller\t%s\t%d\t%d\t%s\t%s\t-\n", keys[i], calls[keys[i]], ok[keys[i]] + 0, name[keys[i]], where[keys[i]]
      print "end"
    }
  ' "$1"
}

# The command line of each caller, read from /proc while the process still runs.
with_cmdlines() {
  while IFS= read -r line; do
    case $line in
      caller*)
        p=$(printf '%s' "$line" | cut -f2)
        if [ "$p" != "-" ] && [ -r "/proc/$p/cmdline" ]; then
          cmd=$(tr '\000\t\n' '   ' < "/proc/$p/cmdline" | cut -c1-200)
          printf '%s\t%s\n' "$(printf '%s' "$line" | cut -f1-6)" "${cmd:--}"
        else
          printf '%s\n' "$line"
        fi
        ;;
      *) printf '%s\n' "$line" ;;
    esac
  done
}

if [ "${1:-}" = "--parse" ]; then
  [ $# -eq 4 ] || { echo "usage: $0 --parse CAPTURE SOCKETS SECONDS" >&2; exit 2; }
  parse_report "$2" "$3" "$4"
  exit 0
fi

window=${1:-60}
case $window in '' | *[!0-9]*) window=60 ;; esac
[ "$window" -lt 5 ] && window=5
[ "$window" -gt 300 ] && window=300

[ "$(id -u)" = "0" ] || unavailable "needs root to capture (SSM Run Command runs as root)"
command -v tcpdump > /dev/null 2>&1 || unavailable "tcpdump is not installed; nothing was installed"
command -v ss > /dev/null 2>&1 || unavailable "ss (iproute2) is not installed; nothing was installed"
command -v timeout > /dev/null 2>&1 || unavailable "timeout (coreutils) is not installed"

dir=$(mktemp -d /tmp/imds-bot-callers.XXXXXX) || unavailable "mktemp failed"
trap 'rm -rf "$dir"' EXIT INT TERM
timeout "$window" tcpdump -i any -nn -l -A -s 0 \
  'tcp and (dst host 169.254.169.254 or dst host fd00:ec2::254) and dst port 80' \
  > "$dir/capture" 2> "$dir/tcpdump.err" &
dump=$!
while kill -0 "$dump" 2> /dev/null; do
  ss -tnp 2> /dev/null | grep -E '169\.254\.169\.254:80|fd00:ec2::254\]?:80' >> "$dir/sockets"
  sleep 0.2
done
wait "$dump"
rc=$?
touch "$dir/sockets"
# timeout ends tcpdump with 124 when the window is over; anything else is tcpdump failing
if [ "$rc" -ne 124 ] && [ "$rc" -ne 0 ]; then
  unavailable "tcpdump failed ($rc): $(head -c 200 "$dir/tcpdump.err" | tr '\t\n' '  ')"
fi
parse_report "$dir/capture" "$dir/sockets" "$window" | with_cmdlines
