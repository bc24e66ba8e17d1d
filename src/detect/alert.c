/*
 * alert.c: the one alert builder. Both shapes (EVE for watch, the v1 record alert for
 * stream detect) come from the same plain values and the same escaper, so a class name
 * or model id with a quote in it stays valid JSON in both (docs/FORMATS.md).
 * Writes into a caller's buffer like snprintf: never allocates, never fails.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "detect/detect_int.h"

void detect__put(detect_w *w, const char *s, size_t n)
{
    if (w->size > 0 && w->len + 1 < w->size) {
        size_t room = w->size - 1 - w->len;
        memcpy(w->buf + w->len, s, n < room ? n : room);
    }
    w->len += n;
}

void detect__putf(detect_w *w, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        detect__put(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void detect__json_str(detect_w *w, const char *s, size_t n, int quote)
{
    char esc[64 * 6];
    if (quote)
        detect__put(w, "\"", 1);
    for (size_t i = 0; s && i < n; i += 64) {
        size_t k = n - i < 64 ? n - i : 64;
        detect__put(w, esc, util__json_escape(esc, s + i, k));
    }
    if (quote)
        detect__put(w, "\"", 1);
}

static void put_cstr(detect_w *w, const char *s)
{
    detect__json_str(w, s ? s : "", s ? strlen(s) : 0, 1);
}

static void iso_seconds(detect_w *w, time_t s)
{
    char buf[40];
    struct tm tm;
    gmtime_r(&s, &tm);
    detect__put(w, buf, strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm));
}

void detect__iso(detect_w *w, double t, int micro)
{
    double fl = floor(isfinite(t) ? t : 0);
    double frac = (isfinite(t) ? t : 0) - fl;
    iso_seconds(w, (time_t)fl);
    if (micro) {
        long us = lround(frac * 1e6); /* a double near 1.6e9 s holds ~0.24 us: round, do not truncate */
        detect__putf(w, ".%06ld+0000", us < 0 ? 0L : us > 999999 ? 999999L : us);
    } else {
        int ms = (int)(frac * 1000);
        detect__putf(w, ".%03dZ", ms < 0 ? 0 : ms > 999 ? 999 : ms);
    }
}

void mqttids_alert_init(mqttids_alert *a)
{
    memset(a, 0, sizeof *a);
    a->probability = NAN;
    a->partition = -1;
    a->offset = -1;
    a->row_id = -1;
}

/* ,"group":{...}: what a connection/host alert stands for (absent by packet). */
static void put_group(detect_w *w, const mqttids_alert *a, int micro)
{
    if (a->by == MQTTIDS_ALERT_BY_PACKET)
        return;
    detect__putf(w, ",\"group\":{\"by\":\"%s\",\"key\":", mqttids_alert_by_name(a->by));
    detect__json_str(w, a->group_key, a->group_key_len, 1);
    detect__putf(w, ",\"count\":%llu,\"first\":\"", (unsigned long long)a->group.count);
    detect__iso(w, a->group.first, micro);
    detect__put(w, "\",\"last\":\"", 10);
    detect__iso(w, a->group.last, micro);
    detect__putf(w, "\",\"alerts\":%llu}", (unsigned long long)a->group.emitted);
}

static void put_prob(detect_w *w, const char *fmt, double p)
{
    if (isfinite(p))
        detect__putf(w, fmt, p);
    else
        detect__put(w, "null", 4);
}

/* Suricata EVE alert (watch); the layout of the fields is docs/FORMATS.md's. */
static void format_eve(detect_w *w, const mqttids_alert *a)
{
    static const mqttids_flow none;
    const mqttids_flow *fl = a->packet ? a->packet : &none;
    char src[64], dst[64];
    mqttids_flow_addr(fl, 0, src, sizeof src);
    mqttids_flow_addr(fl, 1, dst, sizeof dst);
    detect__put(w, "{\"timestamp\":\"", 14);
    iso_seconds(w, (time_t)fl->ts_sec); /* the fraction from ts_nsec exactly, truncated as Suricata does */
    detect__putf(w, ".%06u+0000", (unsigned)(fl->ts_nsec / 1000));
    detect__putf(w, "\",\"flow_id\":%llu,\"event_type\":\"alert\",\"src_ip\":\"%s\",\"src_port\":%u,"
                    "\"dest_ip\":\"%s\",\"dest_port\":%u,\"proto\":\"TCP\",\"app_proto\":\"mqtt\","
                    "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":%d,\"rev\":1,\"signature\":\"MQTTIDS ",
                 (unsigned long long)fl->stream, src, (unsigned)fl->sport, dst, (unsigned)fl->dport,
                 9100000 + (a->cls < 0 ? 0 : a->cls));
    detect__json_str(w, a->class_name, a->class_name ? strlen(a->class_name) : 0, 0);
    detect__put(w, " traffic detected by model ", 27);
    detect__json_str(w, a->model_id, a->model_id ? strlen(a->model_id) : 0, 0);
    detect__put(w, "\",\"category\":", 13);
    put_cstr(w, a->class_name);
    detect__putf(w, ",\"severity\":%d},\"probability\":", mqttids_detect_severity(a->class_name));
    put_prob(w, "%.6f", a->probability);
    detect__put(w, ",\"model\":", 9);
    put_cstr(w, a->model_id);
    detect__putf(w, ",\"mqttids\":{\"frame\":%llu,\"tcp_stream\":%llu,\"tcp_len\":%.0f,\"mqtt_msgtype\":%.0f}",
                 (unsigned long long)fl->frame, (unsigned long long)fl->stream,
                 a->rec ? a->rec->num[MQTTIDS_F_TCP_LEN] : 0.0, a->rec ? a->rec->num[MQTTIDS_F_MSGTYPE] : 0.0);
    put_group(w, a, 1);
    detect__put(w, "}", 1);
}

/* The v1 record alert (stream detect): docs/FORMATS.md "Alert messages". */
static void format_record(detect_w *w, const mqttids_alert *a)
{
    detect__put(w, "{\"v\":1,\"time\":\"", 15);
    detect__iso(w, a->time, 0);
    detect__putf(w, "\",\"id\":%llu,\"flow\":", (unsigned long long)a->id);
    if (a->flow)
        detect__json_str(w, a->flow, a->flow_len, 1);
    else
        detect__put(w, "null", 4);
    detect__put(w, ",\"class\":", 9);
    put_cstr(w, a->class_name);
    detect__put(w, ",\"probability\":", 15);
    put_prob(w, "%.6g", a->probability);
    detect__put(w, ",\"model\":", 9);
    put_cstr(w, a->model_id);
    detect__put(w, ",\"topic\":", 9);
    put_cstr(w, a->topic);
    detect__putf(w, ",\"partition\":%d,\"offset\":%lld", (int)a->partition, (long long)a->offset);
    put_group(w, a, 0);
    detect__put(w, "}", 1);
}

size_t mqttids_alert_format(const mqttids_alert *a, mqttids_alert_shape shape, char *buf, size_t size)
{
    detect_w w = {buf, size, 0};
    if (shape == MQTTIDS_ALERT_EVE)
        format_eve(&w, a);
    else
        format_record(&w, a);
    if (size > 0)
        buf[w.len < size ? w.len : size - 1] = '\0';
    return w.len;
}
