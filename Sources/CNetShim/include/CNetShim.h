// Linux calls that Swift's Glibc module does not expose, as plain wrappers.
#ifndef CNETSHIM_H
#define CNETSHIM_H
#include <stdint.h>
#include <sys/types.h>

enum {
    OP_EPOLLIN = 0x001,
    OP_EPOLLOUT = 0x004,
    OP_EPOLLERR = 0x008,
    OP_EPOLLHUP = 0x010,
    OP_EPOLLRDHUP = 0x2000,
    OP_EPOLLEXCLUSIVE = 0x10000000,
};

int op_epoll_create(void);
int op_epoll_add(int epfd, int fd, uint32_t events, uint64_t data);
int op_epoll_mod(int epfd, int fd, uint32_t events, uint64_t data);
int op_epoll_del(int epfd, int fd);
/// Waits for events; fills parallel arrays because `struct epoll_event` is packed on x86_64.
int op_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int max, int timeout_ms);

int op_eventfd(void);
int op_eventfd_signal(int fd);
int op_eventfd_drain(int fd);

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC.
int op_accept(int listen_fd);
/// A non-blocking TCP listener bound to host:port (IPv4 or IPv6 literal). Returns fd or -errno.
int op_listen_tcp(const char *host, int port, int backlog);
/// The port a socket is bound to, or -1.
int op_local_port(int fd);
int op_set_nodelay(int fd);
/// A blocking TCP connection to host:port (for tests and tools). Returns fd or -errno.
int op_connect_tcp(const char *host, int port, int timeout_ms);
ssize_t op_send(int fd, const void *buf, size_t len);
/// Parses an IP literal in any spelling the resolver accepts (IPv6, dotted, hex, decimal, octal IPv4) into 16
/// bytes (IPv4 as ::ffff:a.b.c.d). Returns 4 or 6 for the family, 0 when `text` is not an address.
int op_parse_ip(const char *text, uint8_t out[16]);
/// Resolves `name` (blocking) into at most `max` 16-byte addresses; -1 when it does not resolve.
int op_resolve(const char *name, uint8_t *out, int max);
/// This machine's interface addresses, 16 bytes each; -1 on failure.
int op_local_addresses(uint8_t *out, int max);
#endif

#ifndef CNETSHIM_SPAWN
#define CNETSHIM_SPAWN
/// Starts `path` in a new process group that dies with its parent (PR_SET_PDEATHSIG): stdin from /dev/null,
/// stdout and stderr to `out_fd`, working directory `cwd`, every other descriptor closed. Returns the pid or -errno.
/// Call it from a thread that lives as long as the process: the death signal follows the forking thread.
/// `rl_resources`/`rl_values` (`rl_count` of them) are setrlimit(2) limits applied in the child before exec.
int op_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, int out_fd,
             const int *rl_resources, const unsigned long *rl_values, int rl_count);
/// A pipe with both ends close-on-exec: fds[0] read, fds[1] write.
int op_pipe(int fds[2]);
#endif

#ifndef CNETSHIM_PROXY
#define CNETSHIM_PROXY
/// A non-blocking TCP connection to 127.0.0.1:port, TCP_NODELAY on; connecting may still be in progress.
/// Returns the fd or -errno.
int op_connect_loopback_nonblock(int port);
/// A non-blocking TCP connection to a numeric IPv4 or IPv6 address (no name lookup), TCP_NODELAY on; connecting
/// may still be in progress. Returns the fd, or -errno (-EINVAL for an address that is not numeric).
int op_connect_nonblock(const char *ip, int port);
/// The peer's IP address as text into buf; 0 on success.
int op_peer_ip(int fd, char *buf, int len);
/// 1 when a connection in a pool is still usable (nothing to read, not closed), else 0.
int op_is_idle_alive(int fd);
#endif

#ifndef CNETSHIM_STDIO
#define CNETSHIM_STDIO
#include <stdio.h>
static inline FILE *op_stdout(void) { return stdout; }

#endif

#ifndef CNETSHIM_FS
#define CNETSHIM_FS
/// The filesystem type (statfs f_type magic) of what fd refers to, or -1 on error.
long op_fs_type(int fd);
#endif

#ifndef CNETSHIM_SPAWN_STD
#define CNETSHIM_SPAWN_STD
/// Starts `path` with `in_fd`, `out_fd`, `err_fd` as its standard streams (-1: inherit the parent's), working
/// directory `cwd` (NULL: the parent's), every other descriptor closed, and a parent-death signal (SIGKILL, by
/// PR_SET_PDEATHSIG): it does not outlive the server. Returns the pid, or -errno when it could not be started
/// (a failed chdir or exec is reported, and that child reaped). The death signal follows the forking thread: call
/// it from a thread that lives as long as the process. For helper commands (deno check, tar, python3, the product
/// under test): it reads no directory of descriptors, unlike Foundation's Process.run on Linux, whose
/// /proc/self/fd scan can over-read and crash.
int op_spawn_std(const char *path, char *const argv[], char *const envp[], const char *cwd, int in_fd, int out_fd, int err_fd);
#endif
