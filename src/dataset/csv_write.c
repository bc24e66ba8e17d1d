/*
 * csv_write.c: MQTTset CSV output in the form the real files use (pandas.to_csv of
 * tshark fields): hex as 0x%08x, tcp.len as an integer, other numbers as Python repr
 * floats ("0.0", "6.7e-05", "8.0"), missing text as "0" (mqtt.msg, mqtt.protoname) or
 * "0.0" (mqtt.willmsg, mqtt.willtopic: all-missing columns that pandas read as float).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dataset/dataset_int.h"
#include "util/util_int.h"

/*
 * Python repr()'s layout of a decimal: digits[0..nd) with the decimal point decpt places
 * after the first digit's position (value = 0.d1d2... x 10^decpt): scientific when
 * decpt <= -4 or decpt > 16 ("1e-05", "1.5e+16"), else fixed with at least one decimal
 * ("0.0001", "8.0"). Writes at most nd + 24 bytes, no NUL; returns the length.
 */
size_t dataset__repr_layout(char *out, int neg, const char *digits, int nd, int decpt)
{
    size_t pos = 0;
    if (neg)
        out[pos++] = '-';
    if (decpt <= -4 || decpt > 16) {
        int e = decpt - 1;
        out[pos++] = digits[0];
        if (nd > 1) {
            out[pos++] = '.';
            memcpy(out + pos, digits + 1, (size_t)nd - 1);
            pos += (size_t)nd - 1;
        }
        out[pos++] = 'e';
        out[pos++] = e < 0 ? '-' : '+';
        if (e < 0)
            e = -e;
        if (e >= 100)
            out[pos++] = (char)('0' + e / 100);
        out[pos++] = (char)('0' + (e / 10) % 10);
        out[pos++] = (char)('0' + e % 10);
    } else if (decpt <= 0) {
        out[pos++] = '0';
        out[pos++] = '.';
        for (int i = 0; i < -decpt; i++)
            out[pos++] = '0';
        memcpy(out + pos, digits, (size_t)nd);
        pos += (size_t)nd;
    } else if (decpt < nd) {
        memcpy(out + pos, digits, (size_t)decpt);
        pos += (size_t)decpt;
        out[pos++] = '.';
        memcpy(out + pos, digits + decpt, (size_t)(nd - decpt));
        pos += (size_t)(nd - decpt);
    } else {
        memcpy(out + pos, digits, (size_t)nd);
        pos += (size_t)nd;
        for (int i = nd; i < decpt; i++)
            out[pos++] = '0';
        out[pos++] = '.';
        out[pos++] = '0';
    }
    return pos;
}

size_t mqttids_format_double(char *buf, size_t size, double v)
{
    char tmp[40], digits[20];
    int prec, nd = 0, decpt, neg = 0;
    size_t pos;
    char out[64];

    if (isnan(v))
        return (size_t)snprintf(buf, size, "nan");
    if (isinf(v))
        return (size_t)snprintf(buf, size, v < 0 ? "-inf" : "inf");
    if (v == 0.0)
        return (size_t)snprintf(buf, size, signbit(v) ? "-0.0" : "0.0");
    /* Shortest precision that round-trips, as Python's repr (David Gay's mode 0). */
    for (prec = 0; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    snprintf(tmp, sizeof tmp, "%.*e", prec, v);
    {
        const char *p = tmp;
        char *e;
        if (*p == '-') {
            neg = 1;
            p++;
        }
        for (; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9')
                digits[nd++] = *p;
        while (nd > 1 && digits[nd - 1] == '0')
            nd--;
        decpt = (int)strtol(p + 1, &e, 10) + 1;
    }
    pos = dataset__repr_layout(out, neg, digits, nd, decpt);
    out[pos] = '\0';
    return (size_t)snprintf(buf, size, "%s", out);
}

mqttids_err mqttids_csv_write_header(FILE *out, int with_label, const char *const *extra_names, size_t n_extra)
{
    for (int f = 0; f < MQTTIDS_NFEAT; f++)
        fprintf(out, "%s%s", f ? "," : "", mqttids_feat_name(f));
    for (size_t k = 0; k < n_extra; k++)
        fprintf(out, ",%s", extra_names[k]);
    if (with_label)
        fputs(",target", out);
    fputc('\n', out);
    return ferror(out) ? MQTTIDS_ERR_IO : MQTTIDS_OK;
}

mqttids_err mqttids_csv_write_record(FILE *out, const mqttids_record *r, int with_label)
{
    char buf[64];
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        if (f)
            fputc(',', out);
        switch (mqttids_feat_kind(f)) {
        case MQTTIDS_KIND_HEX:
            if (r->str[f])
                fwrite(r->str[f], 1, r->str_len[f], out);
            else if (r->num[f] != 0.0)
                fprintf(out, "0x%08llx", (unsigned long long)r->num[f]);
            else
                fputc('0', out);
            break;
        case MQTTIDS_KIND_TEXT:
            if (r->str[f])
                fwrite(r->str[f], 1, r->str_len[f], out);
            else
                fputs(f == MQTTIDS_F_WILLMSG || f == MQTTIDS_F_WILLTOPIC ? "0.0" : "0", out);
            break;
        default:
            if (f == MQTTIDS_F_TCP_LEN)
                fprintf(out, "%lld", (long long)r->num[f]);
            else {
                mqttids_format_double(buf, sizeof buf, r->num[f]);
                fputs(buf, out);
            }
        }
    }
    for (size_t k = 0; k < r->n_extra; k++) {
        mqttids_format_double(buf, sizeof buf, r->extra[k]);
        fputc(',', out);
        fputs(buf, out);
    }
    if (with_label) {
        const char *name = mqttids_class_name(r->label);
        fputc(',', out);
        fputs(name ? name : "", out);
    }
    fputc('\n', out);
    return ferror(out) ? MQTTIDS_ERR_IO : MQTTIDS_OK;
}
