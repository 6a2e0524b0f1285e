#define _GNU_SOURCE
#include <ifaddrs.h>
#include <netdb.h>
#include <sys/resource.h>
#include "CNetShim.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int op_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static int ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}
int op_epoll_add(int epfd, int fd, uint32_t events, uint64_t data) { return ctl(epfd, EPOLL_CTL_ADD, fd, events, data); }
int op_epoll_mod(int epfd, int fd, uint32_t events, uint64_t data) { return ctl(epfd, EPOLL_CTL_MOD, fd, events, data); }
int op_epoll_del(int epfd, int fd) { return ctl(epfd, EPOLL_CTL_DEL, fd, 0, 0); }

int op_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) { events[i] = evs[i].events; data[i] = evs[i].data.u64; }
    return n;
}

int op_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
int op_eventfd_signal(int fd) { uint64_t one = 1; return (int)write(fd, &one, sizeof one); }
int op_eventfd_drain(int fd) { uint64_t v; return (int)read(fd, &v, sizeof v); }

int op_accept(int listen_fd) { return accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }

int op_listen_tcp(const char *host, int port, int backlog) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    int family;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        family = AF_INET; v4->sin_family = AF_INET; v4->sin_port = htons((uint16_t)port); len = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        family = AF_INET6; v6->sin6_family = AF_INET6; v6->sin6_port = htons((uint16_t)port); len = sizeof *v6;
    } else {
        return -EINVAL;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0) {
        int e = errno; close(fd); return -e;
    }
    return fd;
}

int op_local_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -1;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

int op_set_nodelay(int fd) { int one = 1; return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); }

int op_connect_tcp(const char *host, int port, int timeout_ms) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) return -EINVAL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { int e = errno; close(fd); return -e; }
    return fd;
}

ssize_t op_send(int fd, const void *buf, size_t len) { return send(fd, buf, len, MSG_NOSIGNAL); }

#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

int op_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int op_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, int out_fd,
             const int *rl_resources, const unsigned long *rl_values, int rl_count) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return -errno;
    if (pid == 0) {
        // Only async-signal-safe calls from here to exec.
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) { dup2(devnull, 0); }
        dup2(out_fd, 1);
        dup2(out_fd, 2);
        syscall(SYS_close_range, 3, ~0U, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        for (int i = 0; i < rl_count; i++) {
            struct rlimit rl = { (rlim_t)rl_values[i], (rlim_t)rl_values[i] };
            if (setrlimit(rl_resources[i], &rl) != 0) _exit(125);  // never run generated code without its limits
        }
        if (chdir(cwd) != 0) _exit(126);
        execve(path, argv, envp);
        _exit(127);
    }
    setpgid(pid, pid);  // also from the parent, so kill(-pid) works even before the child ran
    return pid;
}

int op_connect_loopback_nonblock(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        int e = errno; close(fd); return -e;
    }
    return fd;
}

int op_connect_nonblock(const char *ip, int port) {
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        sl = sizeof *a4;
    } else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        sl = sizeof *a6;
    } else {
        return -EINVAL;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
        int e = errno; close(fd); return -e;
    }
    return fd;
}

int op_peer_ip(int fd, char *buf, int len) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0) return -1;
    const void *src = ss.ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
                                              : (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
    return inet_ntop(ss.ss_family, src, buf, (socklen_t)len) ? 0 : -1;
}

int op_is_idle_alive(int fd) {
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return 0;                       /* closed by the peer */
    if (n > 0) return 0;                        /* unexpected bytes: not a clean idle connection */
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? 1 : 0;
}

/* Addresses as 16 bytes: IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one classifier covers both families. */
static void map_v4(const struct in_addr *a, uint8_t out[16]) {
    memset(out, 0, 10);
    out[10] = 0xff; out[11] = 0xff;
    memcpy(out + 12, &a->s_addr, 4);
}

int op_parse_ip(const char *text, uint8_t out[16]) {
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET6, text, &a6) == 1) { memcpy(out, &a6, 16); return 6; }
    /* inet_aton takes every numeric spelling the resolver does: 0x7f000001, 2130706433, 0177.1, 127.1 */
    if (inet_aton(text, &a4) != 0) { map_v4(&a4, out); return 4; }
    return 0;
}

int op_resolve(const char *name, uint8_t *out, int max) {
    struct addrinfo hints, *res = NULL, *p;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0) return -1;
    int n = 0;
    for (p = res; p && n < max; p = p->ai_next) {
        if (p->ai_family == AF_INET) { map_v4(&((struct sockaddr_in *)p->ai_addr)->sin_addr, out + 16 * n); n++; }
        else if (p->ai_family == AF_INET6) { memcpy(out + 16 * n, &((struct sockaddr_in6 *)p->ai_addr)->sin6_addr, 16); n++; }
    }
    freeaddrinfo(res);
    return n;
}

int op_local_addresses(uint8_t *out, int max) {
    struct ifaddrs *ifs = NULL, *p;
    if (getifaddrs(&ifs) != 0) return -1;
    int n = 0;
    for (p = ifs; p && n < max; p = p->ifa_next) {
        if (!p->ifa_addr) continue;
        if (p->ifa_addr->sa_family == AF_INET) { map_v4(&((struct sockaddr_in *)p->ifa_addr)->sin_addr, out + 16 * n); n++; }
        else if (p->ifa_addr->sa_family == AF_INET6) { memcpy(out + 16 * n, &((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr, 16); n++; }
    }
    freeifaddrs(ifs);
    return n;
}

#include <sys/vfs.h>
long op_fs_type(int fd) {
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0) return -1;
    return (long)fs.f_type;
}

#include <sys/wait.h>
extern char **environ;
int op_spawn_std(const char *path, char *const argv[], char *const envp[], const char *cwd, int in_fd, int out_fd, int err_fd) {
    // The child reports a failed chdir or exec as its errno on this pipe; end of file means exec succeeded.
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return -errno;
    pid_t parent = getpid();
    // Every signal blocked across vfork, as posix_spawn does: a handler of the server must never run in the child,
    // which shares this thread's memory until it execs. The parent restores its mask at once.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    // vfork, as posix_spawn does: the child borrows this thread's memory until it execs, so a start costs no copy of
    // a large parent's page tables (fork here made every start of the test process's servers take milliseconds,
    // serialized on the spawn thread). The child only makes system calls and writes its own locals.
    pid_t pid = vfork();
    if (pid != 0) pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        int e = errno;
        close(report[0]);
        close(report[1]);
        return -e;
    }
    if (pid == 0) {
        // Only async-signal-safe calls from here to exec.
        int e = 0;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
        int rep = report[1];
        if (rep < 3) rep = fcntl(rep, F_DUPFD_CLOEXEC, 3);  // stay clear of the standard streams
        if (rep < 0) {
            e = errno;
            while (write(report[1], &e, sizeof e) < 0 && errno == EINTR) {}
            _exit(127);
        }
        int fds[3] = {in_fd, out_fd, err_fd};
        for (int i = 0; i < 3; i++) {
            if (fds[i] < 0) continue;
            if (fds[i] == i) fcntl(i, F_SETFD, 0);  // already in place: only keep it across exec
            else dup2(fds[i], i);
        }
        // Every other descriptor closed, but the report pipe (close-on-exec itself): close_range where the kernel
        // has it (5.9+), else one by one up to the descriptor limit.
        struct rlimit nofile = { 65536, 65536 };
        getrlimit(RLIMIT_NOFILE, &nofile);
        unsigned int top = nofile.rlim_cur == RLIM_INFINITY || nofile.rlim_cur > 1048576 ? 1048576 : (unsigned int)nofile.rlim_cur;
        if (rep > 3 && syscall(SYS_close_range, 3, rep - 1, 0) != 0) { for (int fd = 3; fd < rep; fd++) close(fd); }
        if (syscall(SYS_close_range, rep + 1, ~0U, 0) != 0) { for (unsigned int fd = (unsigned int)rep + 1; fd < top; fd++) close((int)fd); }
        // Default handling for every signal (the server ignores SIGPIPE), then nothing blocked.
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (cwd && chdir(cwd) != 0) e = errno;
        else {
            execve(path, argv, envp ? envp : environ);
            e = errno;
        }
        while (write(rep, &e, sizeof e) < 0 && errno == EINTR) {}
        _exit(127);
    }
    close(report[1]);
    int e = 0;
    ssize_t n;
    while ((n = read(report[0], &e, sizeof e)) < 0 && errno == EINTR) {}
    close(report[0]);
    if (n == (ssize_t)sizeof e) {
        // It never ran: reap it here, the caller only reaps what it started.
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        return -e;
    }
    return pid;
}
