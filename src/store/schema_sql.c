/*
 * schema_sql.c: the SQL that creates mqttids's tables, for a DBA to run ahead (grants,
 * tablespaces, review). Built from the same definitions the loader and the sink run, so
 * a table made from it is accepted by both (same types, same version comment).
 * No connection needed: identifiers are quoted here the way PQescapeIdentifier does
 * ("..." with '"' doubled).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store_int.h"
#include "util/util_int.h"

#if MQTTIDS_WITH_PG

/* "id" with '"' doubled, into out (at least 2 * STORE_MAX_IDENT + 3 bytes). */
static void quote(char *out, const char *id)
{
    size_t o = 0;
    out[o++] = '"';
    for (; *id; id++) {
        if (*id == '"')
            out[o++] = '"';
        out[o++] = *id;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* Appends the statements for one table to *buf (realloc'd). */
static mqttids_err one_table(const char *name, int pred, char **buf, size_t *len, char *errbuf)
{
    char schema[STORE_MAX_IDENT + 1], table[STORE_MAX_IDENT + 1];
    char qs[2 * STORE_MAX_IDENT + 3], qt[2 * STORE_MAX_IDENT + 3], full[4 * STORE_MAX_IDENT + 8];
    const char *why = NULL;
    char *create, *nb;
    size_t need;

    if (store__split_name(name, schema, table, &why) != 0)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "table name '%.200s': %s", name, why);
    quote(qt, table);
    if (schema[0]) {
        quote(qs, schema);
        snprintf(full, sizeof full, "%s.%s", qs, qt);
    } else {
        snprintf(full, sizeof full, "%s", qt);
    }
    if (pred) {
        size_t n = strlen(full) + sizeof STORE_PRED_COLUMNS + 16;
        create = malloc(n);
        if (create)
            snprintf(create, n, "CREATE TABLE %s %s", full, STORE_PRED_COLUMNS);
    } else {
        create = store__records_create(full);
    }
    if (!create)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    need = *len + strlen(create) + 2 * strlen(full) + 256;
    nb = realloc(*buf, need);
    if (!nb) {
        free(create);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    *buf = nb;
    *len += (size_t)snprintf(*buf + *len, need - *len, "-- mqttids %s v%d\n", pred ? "predictions" : "records",
                             pred ? MQTTIDS_STORE_PREDICTIONS_VERSION : MQTTIDS_STORE_RECORDS_VERSION);
    if (schema[0])
        *len += (size_t)snprintf(*buf + *len, need - *len, "CREATE SCHEMA IF NOT EXISTS %s;\n", qs);
    *len += (size_t)snprintf(*buf + *len, need - *len, "%s;\nCOMMENT ON TABLE %s IS 'mqttids %s v%d';\n", create,
                             full, pred ? "predictions" : "records",
                             pred ? MQTTIDS_STORE_PREDICTIONS_VERSION : MQTTIDS_STORE_RECORDS_VERSION);
    free(create);
    return MQTTIDS_OK;
}

mqttids_err mqttids_store_schema_sql(const char *records_table, const char *pred_table, char **sql,
                                     char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    char *buf = NULL;
    size_t len = 0;
    mqttids_err err = MQTTIDS_OK;
    *sql = NULL;
    if (records_table)
        err = one_table(records_table, 0, &buf, &len, errbuf);
    if (err == MQTTIDS_OK && pred_table)
        err = one_table(pred_table, 1, &buf, &len, errbuf);
    if (err == MQTTIDS_OK && !buf)
        buf = strdup("");
    if (err != MQTTIDS_OK || !buf) {
        free(buf);
        return err != MQTTIDS_OK ? err : util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    *sql = buf;
    return MQTTIDS_OK;
}

#else

mqttids_err mqttids_store_schema_sql(const char *records_table, const char *pred_table, char **sql,
                                     char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)records_table, (void)pred_table;
    *sql = NULL;
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "this build has no PostgreSQL support");
}

#endif
