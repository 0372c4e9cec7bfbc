// An open-loop load generator: requests leave on a fixed schedule whatever
// the server does, and each request's latency is measured from the moment
// it was scheduled to leave, not from when it could leave. A closed-loop
// generator (wrk, autocannon) waits for an answer before sending the next
// request, so a stall delays the requests that would have seen it and hides
// it from the figures ("coordinated omission"); this one does not.
//
//   openloop <port> <connections> <requests/s> <seconds> [path [slow-connections slow-path]]
//
// Each connection sends GET <path> keep-alive, one request in flight at a
// time, its schedule offset so the connections together send <requests/s>.
// A request whose time comes while the previous one is unanswered waits,
// and its latency includes the wait. Prints one JSON line: requests sent
// and answered, errors, and latency percentiles in microseconds. Built by
// the benchmark (`cc -O2`), never shipped.
//
// <requests/s> 0 makes the main connections closed-loop too, each latency
// then counted from when its request left (as wrk does).
//
// For the fairness scenario, <slow-connections> more connections ask for
// <slow-path> closed-loop (the next request as soon as the answer is in),
// from this same process, so the two loads do not compete for the client's
// CPU as two load generators would; their latencies are counted apart
// ("slow" in the output) and not in the main percentiles.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUCKETS 4096 /* latency histogram: 8 sub-buckets per power of two of µs */
#define READ_SIZE 65536

struct conn {
  int fd;
  double next_due;     // when the next request is scheduled (s)
  double sent_due;     // the schedule time of the request in flight
  int in_flight;
  int slow;            // a slow-path connection: closed loop, counted apart
  size_t have;         // bytes of the current answer received
  char buf[READ_SIZE];
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long histogram[BUCKETS], slow_histogram[BUCKETS];

static int bucket_of(double micros) {
  unsigned long us = micros < 1 ? 1 : (unsigned long)micros;
  int power = 63 - __builtin_clzl(us);
  int sub = power >= 3 ? (int)((us >> (power - 3)) & 7) : (int)(us & 7);
  int b = power * 8 + sub;
  return b < BUCKETS ? b : BUCKETS - 1;
}

static double bucket_value(int b) {
  int power = b / 8, sub = b % 8;
  return power >= 3 ? (double)((8UL + sub) << (power - 3)) : (double)(8 + sub) / 8 * (1UL << power);
}

static double percentile(const unsigned long *counts, unsigned long total, double p) {
  unsigned long want = (unsigned long)(total * p), seen = 0;
  for (int b = 0; b < BUCKETS; b++) {
    seen += counts[b];
    if (seen > want) return bucket_value(b);
  }
  return bucket_value(BUCKETS - 1);
}

// Length of the whole answer at the start of `buf` once its head and body
// are in, else 0; -1 if it cannot be an HTTP answer.
static long answer_length(const char *buf, size_t have) {
  const char *end = memmem(buf, have, "\r\n\r\n", 4);
  if (!end) return 0;
  if (have < 12 || memcmp(buf, "HTTP/1.", 7) != 0) return -1;
  long length = 0;
  const char *p = buf;
  while (p < end) {
    const char *line = memchr(p, '\n', end - p);
    if (!line) break;
    line++;
    if (end - line > 15 && strncasecmp(line, "content-length:", 15) == 0) length = strtol(line + 15, NULL, 10);
    p = line;
  }
  long total = (end + 4 - buf) + length;
  return (size_t)total <= have ? total : 0;
}

// A keep-alive `GET <path>` to 127.0.0.1:<port> in `out` (512 bytes); its length.
static int get_request(char *out, const char *path, int port) {
  return snprintf(out, 512, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", path, port);
}

int main(int argc, char **argv) {
  if (argc < 5 || argc == 7) {
    fprintf(stderr, "usage: openloop <port> <connections> <requests/s> <seconds> [path [slow-connections slow-path]]\n");
    return 2;
  }
  int port = atoi(argv[1]), conns = atoi(argv[2]), slow_conns = argc > 7 ? atoi(argv[6]) : 0;
  double rate = atof(argv[3]), seconds = atof(argv[4]);
  char request[512], slow_request[512];
  int request_len = get_request(request, argc > 5 ? argv[5] : "/", port);
  int slow_request_len = slow_conns ? get_request(slow_request, argv[7], port) : 0;
  int closed_loop = rate <= 0;  // rate 0: every connection sends its next request as soon as its answer is in
  double interval = closed_loop ? 0 : conns / rate;  // per connection
  int all = conns + slow_conns;
  struct conn *cs = calloc(all, sizeof *cs);
  int ep = epoll_create1(0);
  double start = now() + 0.05;
  for (int i = 0; i < all; i++) {
    cs[i].fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(cs[i].fd, (struct sockaddr *)&addr, sizeof addr)) {
      perror("openloop: connect");
      return 1;
    }
    int one = 1;
    setsockopt(cs[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    cs[i].slow = i >= conns;
    cs[i].next_due = cs[i].slow || closed_loop ? start : start + interval * i / conns;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
  }
  unsigned long sent = 0, answered = 0, errors = 0, slow_answered = 0;
  double stop = start + seconds;
  struct epoll_event events[256];
  for (;;) {
    double t = now();
    if (t >= stop) break;
    double soonest = stop;
    for (int i = 0; i < all; i++) {
      struct conn *c = &cs[i];
      if (c->fd < 0) continue;
      if (!c->in_flight && c->next_due <= t) {
        const char *out = c->slow ? slow_request : request;
        int out_len = c->slow ? slow_request_len : request_len;
        if (write(c->fd, out, out_len) != out_len) {
          errors++;
          close(c->fd);
          c->fd = -1;
          continue;
        }
        c->in_flight = 1;
        if (!c->slow) sent++;
        if (c->slow || closed_loop) {
          c->sent_due = t;  // closed loop: from when it left
          continue;
        }
        c->sent_due = c->next_due;
        c->next_due += interval;
      }
      if (!c->in_flight && c->next_due < soonest) soonest = c->next_due;
    }
    int timeout_ms = (int)((soonest - now()) * 1000);
    int n = epoll_wait(ep, events, 256, timeout_ms > 0 ? timeout_ms : 0);
    double arrived = now();
    for (int k = 0; k < n; k++) {
      struct conn *c = &cs[events[k].data.u32];
      ssize_t got = read(c->fd, c->buf + c->have, sizeof c->buf - c->have);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        errors++;
        close(c->fd);
        c->fd = -1;
        continue;
      }
      c->have += got;
      long whole = answer_length(c->buf, c->have);
      if (whole < 0 || (whole == 0 && c->have == sizeof c->buf)) {
        errors++;
        close(c->fd);
        c->fd = -1;
        continue;
      }
      if (whole > 0 && c->in_flight) {
        if (memcmp(c->buf + 9, "200", 3) != 0) errors++;
        int b = bucket_of((arrived - c->sent_due) * 1e6);
        if (c->slow) {
          slow_histogram[b]++;
          slow_answered++;
        } else {
          histogram[b]++;
          answered++;
        }
        if (c->slow || closed_loop) c->next_due = arrived;  // closed loop: the next one goes now
        c->in_flight = 0;
        memmove(c->buf, c->buf + whole, c->have - whole);
        c->have -= whole;
      }
    }
  }
  printf("{\"sent\":%lu,\"answered\":%lu,\"errors\":%lu,\"seconds\":%.3f,\"p50\":%.0f,\"p90\":%.0f,\"p99\":%.0f,\"p999\":%.0f,\"max\":%.0f,"
         "\"slow\":{\"answered\":%lu,\"p50\":%.0f,\"p99\":%.0f}}\n",
         sent, answered, errors, seconds, percentile(histogram, answered, 0.5), percentile(histogram, answered, 0.9),
         percentile(histogram, answered, 0.99), percentile(histogram, answered, 0.999), percentile(histogram, answered, 0.99999),
         slow_answered, percentile(slow_histogram, slow_answered, 0.5), percentile(slow_histogram, slow_answered, 0.99));
  return 0;
}
