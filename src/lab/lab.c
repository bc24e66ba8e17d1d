/*
 * lab.c: a lab run: password file + broker config in a private temp folder, Debian's
 * mosquitto on a free loopback port, a libpcap capture on lo written with pcap_dump, the
 * generators (generators.c) in their windows, then the labeled CSVs (label.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "mqttids/config.h"
#include "lab_int.h"
#include "util/util_int.h"
#if MQTTIDS_LAB_MOSQ
#include <pcap/pcap.h>
#endif

void mqttids_lab_opts_init(mqttids_lab_opts *o)
{
    memset(o, 0, sizeof *o);
    o->duration_s = 60.0;
    o->mode = MQTTIDS_LAB_PHASES;
    for (int k = 0; k < MQTTIDS_NCLASS; k++)
        o->weight[k] = 1.0;
    o->scale = 1.0;
    for (int k = 0; k < MQTTIDS_NCLASS; k++)
        o->rate[k] = 1.0;
    o->sensors = 8;
    o->seed = 1;
    o->mosquitto = "/usr/sbin/mosquitto";
    o->mosquitto_passwd = "/usr/bin/mosquitto_passwd";
    o->iface = "lo";
}

#if !MQTTIDS_LAB_MOSQ

mqttids_err mqttids_lab_run(const mqttids_lab_opts *o, mqttids_lab_result *res, mqttids_progress_fn progress,
                            void *progress_user, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)o;
    (void)res;
    (void)progress;
    (void)progress_user;
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED,
                      "lab: this build has no libmosquitto or no libpcap (install libmosquitto-dev and "
                      "libpcap-dev, then rebuild)");
}

#else

/* Phase order of the attacks (MQTTset's list order) and their share of the attack time. */
static const int ATTACKS[5] = {MQTTIDS_CLASS_DOS, MQTTIDS_CLASS_FLOOD, MQTTIDS_CLASS_SLOWITE,
                               MQTTIDS_CLASS_BRUTEFORCE, MQTTIDS_CLASS_MALFORMED};
static const double SHARE[5] = {1.0, 0.8, 1.0, 1.2, 1.0};

static int free_port(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    close(fd);
    return 0;
}

/* Runs argv to completion with stdout/stderr to /dev/null; returns its exit status or -1. */
static int run_tool(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, 1);
            dup2(nul, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    return bad ? -1 : chmod(path, 0644);
}

/* The last non-empty line of the broker log into errbuf-friendly form. */
static void log_tail(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    char line[256];
    out[0] = '\0';
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        if (line[0] != '\n') {
            line[strcspn(line, "\n")] = '\0';
            snprintf(out, size, "%s", line);
        }
    fclose(f);
}

static int log_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int found = 0;
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

typedef struct cap_thread {
    pcap_t *p;
    pcap_dumper_t *d;
    atomic_int stop;
    uint64_t packets;
} cap_thread;

static void dump_one(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    cap_thread *ct = (cap_thread *)(void *)user;
    pcap_dump((u_char *)ct->d, h, bytes);
    ct->packets++;
}

static void *cap_main(void *arg)
{
    cap_thread *ct = arg;
    int fd = pcap_get_selectable_fd(ct->p), idle = 0;
    for (;;) {
        struct pollfd pf = {fd, POLLIN, 0};
        poll(&pf, 1, 50);
        int n = pcap_dispatch(ct->p, -1, dump_one, (u_char *)(void *)ct);
        if (n < 0)
            break;
        if (atomic_load(&ct->stop)) {
            /* drain: stop after a few empty reads in a row */
            idle = n == 0 ? idle + 1 : 0;
            if (idle >= 4)
                break;
        }
    }
    return NULL;
}

static void set_windows(lab_ctx *c, const mqttids_lab_opts *o)
{
    double d = o->duration_s;
    for (int k = 0; k < MQTTIDS_NCLASS; k++) {
        c->rate[k] = o->scale * (o->weight[k] > 0 ? o->weight[k] : 1.0) * o->rate[k];
        c->start[k] = c->end[k] = c->t0;
    }
    if (o->weight[MQTTIDS_CLASS_LEGITIMATE] > 0) {
        c->start[MQTTIDS_CLASS_LEGITIMATE] = c->t0;
        c->end[MQTTIDS_CLASS_LEGITIMATE] = c->t0 + d;
    }
    if (o->mode == MQTTIDS_LAB_MIXED) {
        for (int i = 0; i < 5; i++) {
            int k = ATTACKS[i];
            if (o->weight[k] > 0) {
                c->start[k] = c->t0 + 0.05 * d;
                c->end[k] = c->t0 + 0.95 * d;
            }
        }
        return;
    }
    /* phases: the first 10% legitimate only, then each attack in turn, legitimate all along */
    double total = 0, t = c->t0 + 0.10 * d;
    for (int i = 0; i < 5; i++)
        if (o->weight[ATTACKS[i]] > 0)
            total += SHARE[i] * o->weight[ATTACKS[i]];
    for (int i = 0; i < 5 && total > 0; i++) {
        int k = ATTACKS[i];
        if (o->weight[k] <= 0)
            continue;
        double len = 0.88 * d * SHARE[i] * o->weight[k] / total;
        c->start[k] = t;
        c->end[k] = t + len;
        t += len;
    }
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Checks the options before anything starts. */
static mqttids_err check_opts(const mqttids_lab_opts *o, char *errbuf)
{
    if (!o || !o->out_dir || !*o->out_dir)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lab: no output folder given");
    if (!(o->duration_s > 0) || o->duration_s > 86400)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lab: duration must be in (0, 86400] seconds");
    if (!(o->scale > 0) || o->scale > 100)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lab: scale must be in (0, 100]");
    for (int k = 0; k < MQTTIDS_NCLASS; k++) {
        if (!(o->weight[k] >= 0) || o->weight[k] > 100)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lab: weight of %s must be in [0, 100]",
                              mqttids_class_name(k));
        if (!(o->rate[k] > 0) || o->rate[k] > 100)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lab: rate of %s must be in (0, 100]",
                              mqttids_class_name(k));
    }
    if (o->sensors < 1 || o->sensors > LAB_MAX_SENSORS)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lab: sensors must be in [1, %d]", LAB_MAX_SENSORS);
    if (!(o->latency_ms >= 0) || o->latency_ms > 5000 || !(o->jitter_ms >= 0) || o->jitter_ms > 5000)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lab: latency and jitter must be in [0, 5000] ms");
    if (access(o->mosquitto, X_OK) != 0)
        return util__fail(errbuf, MQTTIDS_ERR_IO, "lab: no broker at %s (install Debian's mosquitto)", o->mosquitto);
    if (access(o->mosquitto_passwd, X_OK) != 0)
        return util__fail(errbuf, MQTTIDS_ERR_IO, "lab: no %s (install Debian's mosquitto)", o->mosquitto_passwd);
    return MQTTIDS_OK;
}

/* Starts the broker with config conf, its stderr into logpath; ready when it says it
   listens (no probe connection: it would be an unlabeled row). *broker: its pid, or -1. */
static mqttids_err start_broker(const mqttids_lab_opts *o, const char *conf, const char *logpath, pid_t *broker,
                                char *errbuf)
{
    char tail[256];
    int lfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (lfd < 0)
        return util__fail(errbuf, MQTTIDS_ERR_IO, "lab: cannot write %s: %s", logpath, strerror(errno));
    *broker = fork();
    if (*broker == 0) {
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
        dup2(lfd, 1);
        dup2(lfd, 2);
        execl(o->mosquitto, o->mosquitto, "-c", conf, (char *)NULL);
        _exit(127);
    }
    close(lfd);
    if (*broker < 0)
        return util__fail(errbuf, MQTTIDS_ERR_IO, "lab: fork: %s", strerror(errno));
    int ok = 0;
    for (int i = 0; i < 100 && !ok; i++) {
        int st;
        if (waitpid(*broker, &st, WNOHANG) == *broker) {
            *broker = -1;
            break;
        }
        ok = log_has(logpath, "listen socket on port");
        if (!ok)
            nap_ms(50);
    }
    if (!ok) {
        log_tail(logpath, tail, sizeof tail);
        return util__fail(errbuf, MQTTIDS_ERR_IO, "lab: the broker did not start (%s: %s)", logpath,
                          tail[0] ? tail : "no output");
    }
    return MQTTIDS_OK;
}

/* The capture: every TCP packet to or from the broker port, nanosecond time stamps, into
   pcap_tmp from a thread (*cth, *cap_running). *pp is the pcap handle (the caller closes). */
static mqttids_err start_capture(const mqttids_lab_opts *o, uint16_t port, const char *pcap_tmp, pcap_t **pp,
                                 cap_thread *ct, pthread_t *cth, int *cap_running, char *errbuf)
{
    char perr[PCAP_ERRBUF_SIZE] = "", filter[128];
    struct bpf_program bpf;
    pcap_t *p = *pp = pcap_create(o->iface, perr);
    if (!p)
        return util__fail(errbuf, MQTTIDS_ERR_PCAP, "lab: capture on %s: %s", o->iface, perr);
    pcap_set_snaplen(p, 262144);
    /* not immediate mode: TPACKET_V3 packs packets into blocks (immediate mode would use
     * snaplen-sized frames: 512 of them in 128 MiB, too few for a dos burst) */
    pcap_set_timeout(p, 50);
    pcap_set_buffer_size(p, 256 << 20);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap_activate(p);
    if (rc < 0)
        return util__fail(errbuf, MQTTIDS_ERR_PCAP, "lab: capture on %s: %s%s", o->iface, pcap_geterr(p),
                          rc == PCAP_ERROR_PERM_DENIED ? " (the lab needs root or CAP_NET_RAW)" : "");
    snprintf(filter, sizeof filter, "tcp port %u", (unsigned)port);
    if (pcap_compile(p, &bpf, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 || pcap_setfilter(p, &bpf) != 0)
        return util__fail(errbuf, MQTTIDS_ERR_PCAP, "lab: filter '%s': %s", filter, pcap_geterr(p));
    pcap_freecode(&bpf);
    pcap_setnonblock(p, 1, perr);
    ct->p = p;
    ct->d = pcap_dump_open(p, pcap_tmp);
    if (!ct->d)
        return util__fail(errbuf, MQTTIDS_ERR_IO, "lab: cannot write %s: %s", pcap_tmp, pcap_geterr(p));
    if (pthread_create(cth, NULL, cap_main, ct) != 0)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "lab: cannot start the capture thread");
    *cap_running = 1;
    return MQTTIDS_OK;
}

/* Lets the generators run for the duration (or until progress says stop), joins them and
   counts what they did into res. */
static void run_traffic(lab_ctx *c, const mqttids_lab_opts *o, void *threads, mqttids_progress_fn progress,
                        void *progress_user, mqttids_lab_result *res, int *interrupted)
{
    double end = c->t0 + o->duration_s;
    for (;;) {
        double now = util__now_s();
        if (now >= end)
            break;
        if (progress && progress("lab", (uint64_t)(now > c->t0 ? now - c->t0 : 0),
                                 (uint64_t)(o->duration_s + 0.5), progress_user)) {
            *interrupted = 1;
            break;
        }
        nap_ms(200);
    }
    lab__gen_join(c, threads);
    res->seconds = util__now_s() - c->t0;
    for (int k = 0; k < MQTTIDS_NCLASS; k++) {
        res->conns_class[k] = atomic_load(&c->conns[k]);
        res->msgs_class[k] = atomic_load(&c->msgs[k]);
    }
}

mqttids_err mqttids_lab_run(const mqttids_lab_opts *o, mqttids_lab_result *res, mqttids_progress_fn progress,
                            void *progress_user, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_err err = MQTTIDS_OK;
    char tmpdir[] = "/tmp/mqttids-lab.XXXXXX";
    char passwd[64], conf[64], logpath[4096], pcap_path[4096], pcap_tmp[4200], text[1024];
    int have_tmp = 0, interrupted = 0;
    pid_t broker = -1;
    pcap_t *p = NULL;
    cap_thread ct;
    pthread_t cth;
    int cap_running = 0;
    void *threads = NULL, *relay = NULL;
    lab_ctx *c = NULL;

    memset(res, 0, sizeof *res);
    memset(&ct, 0, sizeof ct);
    if ((err = check_opts(o, errbuf)) != MQTTIDS_OK)
        return err;
    if (mkdir(o->out_dir, 0755) != 0 && errno != EEXIST)
        return util__fail(errbuf, MQTTIDS_ERR_IO, "lab: cannot create %s: %s", o->out_dir, strerror(errno));
    snprintf(logpath, sizeof logpath, "%s/mosquitto.log", o->out_dir);
    snprintf(pcap_path, sizeof pcap_path, "%s/lab.pcap", o->out_dir);
    snprintf(pcap_tmp, sizeof pcap_tmp, "%s.tmp.%ld", pcap_path, (long)getpid());
    mqttids_tmp_sweep(pcap_path); /* leftovers of a killed run */

    /* many sockets (slowite): raise the descriptor limit to the hard limit, for the broker too */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    c = calloc(1, sizeof *c);
    if (!c)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "lab: out of memory");
    c->seed = o->seed;
    c->sensors = o->sensors;
    for (int k = 0; k < MQTTIDS_NCLASS; k++)
        snprintf(c->addr[k], sizeof c->addr[k], "127.0.0.%d", LAB_ADDR_BASE + k);
    if (free_port(&c->port) != 0) {
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "lab: no free TCP port on 127.0.0.1: %s", strerror(errno));
        goto done;
    }
    res->port = c->port;
    c->client_port = c->port;

    /* password file + config; the folder and files readable by the broker's own user */
    if (!mkdtemp(tmpdir)) {
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "lab: cannot create a temporary folder: %s", strerror(errno));
        goto done;
    }
    have_tmp = 1;
    chmod(tmpdir, 0755);
    snprintf(passwd, sizeof passwd, "%s/passwd", tmpdir);
    snprintf(conf, sizeof conf, "%s/mosquitto.conf", tmpdir);
    {
        char *argv[] = {(char *)o->mosquitto_passwd, "-b", "-c", passwd, LAB_USER, LAB_PASS, NULL};
        if (run_tool(argv) != 0 || chmod(passwd, 0644) != 0) {
            err = util__fail(errbuf, MQTTIDS_ERR_IO, "lab: %s -b -c %s failed", o->mosquitto_passwd, passwd);
            goto done;
        }
    }
    snprintf(text, sizeof text,
             "# mqttids lab broker\nlistener %u 127.0.0.1\nallow_anonymous true\npassword_file %s\n"
             "persistence false\nlog_dest stderr\nconnection_messages false\nmax_keepalive 65535\n",
             (unsigned)c->port, passwd);
    if (write_text(conf, text) != 0) {
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "lab: cannot write %s: %s", conf, strerror(errno));
        goto done;
    }

    if ((err = start_broker(o, conf, logpath, &broker, errbuf)) != MQTTIDS_OK)
        goto done;

    if ((err = start_capture(o, c->port, pcap_tmp, &p, &ct, &cth, &cap_running, errbuf)) != MQTTIDS_OK)
        goto done;

    /* the latency relay: clients talk to it, it talks to the broker after the delay */
    if (o->latency_ms > 0 || o->jitter_ms > 0) {
        relay = lab__relay_start(c->port, o->latency_ms, o->jitter_ms, o->seed, &c->client_port, errbuf);
        if (!relay) {
            err = MQTTIDS_ERR_IO;
            goto done;
        }
    }
    /* the traffic */
    c->t0 = util__now_s() + 0.2;
    set_windows(c, o);
    if (lab__gen_start(c, &threads, errbuf) < 0) {
        threads = NULL;
        err = MQTTIDS_ERR_NOMEM;
        goto done;
    }
    run_traffic(c, o, threads, progress, progress_user, res, &interrupted);
    threads = NULL;

done:
    if (threads)
        lab__gen_join(c, threads);
    lab__relay_stop(relay); /* delayed bytes still queued are dropped: the clients are gone */
    if (broker > 0) {
        nap_ms(300);
        kill(broker, SIGTERM);
        int st;
        while (waitpid(broker, &st, 0) < 0 && errno == EINTR)
            ;
    }
    if (cap_running) {
        nap_ms(300);
        atomic_store(&ct.stop, 1);
        pthread_join(cth, NULL);
        struct pcap_stat ps;
        if (pcap_stats(p, &ps) == 0)
            res->drops = ps.ps_drop;
        res->packets = ct.packets;
    }
    if (ct.d) {
        pcap_dump_close(ct.d);
        if (err == MQTTIDS_OK && !interrupted && rename(pcap_tmp, pcap_path) != 0)
            err = util__fail(errbuf, MQTTIDS_ERR_IO, "lab: cannot rename %s: %s", pcap_tmp, strerror(errno));
        if (err != MQTTIDS_OK || interrupted)
            unlink(pcap_tmp);
    }
    if (p)
        pcap_close(p);
    if (have_tmp) {
        unlink(passwd);
        unlink(conf);
        rmdir(tmpdir);
    }
    free(c);
    if (err == MQTTIDS_OK && interrupted)
        err = util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "lab: interrupted");
    if (err == MQTTIDS_OK) {
        /* lab.pcap.port: the broker's free port, so extract/watch decode MQTT without --port */
        util_atomic_file af;
        char side[sizeof pcap_path + 8];
        snprintf(side, sizeof side, "%s%s", pcap_path, MQTTIDS_CAPTURE_PORT_SUFFIX);
        err = util__atomic_open(&af, side, errbuf);
        if (err == MQTTIDS_OK) {
            fprintf(af.fp, "%u\n", (unsigned)res->port);
            err = util__atomic_commit(&af, errbuf);
        }
    }
    if (err == MQTTIDS_OK)
        err = lab__write_csvs(o->out_dir, res->port, o->context, res, progress, progress_user, errbuf);
    return err;
}

#endif /* MQTTIDS_LAB_MOSQ */
