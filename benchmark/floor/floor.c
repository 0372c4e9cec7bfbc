// The physical floor of the load benchmark: one thread, epoll, no parsing and
// no JavaScript. It only finds where each request ends ("\r\n\r\n"; the
// benchmark's GET requests carry no body) and writes one canned answer per
// request, of the same size as fasthttp's. What it reaches on one core is
// what any server could reach there at all; `npm run bench` prints each
// server's ratio to it. Built by the benchmark (`cc -O2`), never shipped.
//
// Prints `port=<n>` once listening on 127.0.0.1 (port 0: a free one), like
// every peer in benchmark/servers/.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char ANSWER[] =
    "HTTP/1.1 200 OK\r\nDate: Fri, 04 Dec 2026 00:00:00 GMT\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\nHello, World!";
#define ANSWER_LEN (sizeof ANSWER - 1)
#define MAX_EVENTS 256
#define READ_SIZE 65536

// Per connection: the last bytes of the previous read, so a "\r\n\r\n" split
// across two reads is still found.
struct conn {
  unsigned int tail;
};

int main(void) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 1024) ||
      getsockname(listener, (struct sockaddr *)&addr, &len)) {
    perror("floor: listen");
    return 1;
  }
  printf("port=%d\n", ntohs(addr.sin_port));
  fflush(stdout);

  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  static char in[READ_SIZE];
  static char out[READ_SIZE / 16 * ANSWER_LEN + ANSWER_LEN];
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(ep, events, MAX_EVENTS, -1);
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == NULL) {
        int fd;
        while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct conn *c = calloc(1, sizeof *c + sizeof(int));
          *(int *)(c + 1) = fd;
          struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      struct conn *c = events[i].data.ptr;
      int fd = *(int *)(c + 1);
      ssize_t got = read(fd, in, sizeof in);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        close(fd);  // also leaves the epoll set
        free(c);
        continue;
      }
      size_t requests = 0;
      unsigned int window = c->tail;
      for (ssize_t k = 0; k < got; k++) {
        window = (window << 8) | (unsigned char)in[k];
        if (window == 0x0d0a0d0a) requests++;
      }
      c->tail = window;
      size_t bytes = 0;
      for (size_t r = 0; r < requests; r++, bytes += ANSWER_LEN) memcpy(out + bytes, ANSWER, ANSWER_LEN);
      // Loopback with small answers: a short write does not happen at these
      // sizes; the floor ignores it rather than buffer.
      if (bytes && write(fd, out, bytes) < 0 && errno != EAGAIN) {
        close(fd);
        free(c);
      }
    }
  }
}
