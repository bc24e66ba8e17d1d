#!/usr/bin/python3
"""A local object server for the fetch tests (started by tests/integration/fetch.sh).

Serves files of a folder over HTTP on 127.0.0.1 (port written to a file) in three roles:
  /plain/NAME          a plain web server (Content-Length set);
  /die/NAME            sends the headers of the whole file, half the body, then drops the
                       connection (a server dying mid-transfer);
  /s3/BUCKET/KEY       S3 path-style: when --aws-secret is given, the request must carry an
                       AWS SigV4 Authorization header whose signature this server recomputes
                       independently (hashlib/hmac, AWS's documented algorithm) with the
                       same secret, x-amz-date and x-amz-content-sha256 headers, and the
                       x-amz-security-token of --aws-token; else 403 (as S3 answers);
  /gcs/BUCKET/OBJECT   GCS XML API path-style: bucket "private" needs
                       "Authorization: Bearer <--gcs-token>", others are public.
Every request is logged (method, path, Authorization shape) to --log.
"""
import argparse, hashlib, hmac, http.server, os, re, sys, urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("--root", required=True)
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--aws-id", default="")
ap.add_argument("--aws-secret", default="")
ap.add_argument("--aws-token", default="")
ap.add_argument("--aws-region", default="us-east-1")
ap.add_argument("--gcs-token", default="")
ap.add_argument("--cert", default="", help="PEM with certificate and key: serve HTTPS")
args = ap.parse_args()

AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")


def sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sigv4_ok(h):
    """Recomputes the SigV4 signature of this GET; returns '' or the reason it is wrong."""
    auth = h.headers.get("Authorization", "")
    m = AUTH_RE.match(auth)
    if not m:
        return "Authorization is not AWS4-HMAC-SHA256 shaped: %r" % auth
    akid, date, region, signed, sig = m.groups()
    if akid != args.aws_id or region != args.aws_region:
        return "credential scope %s/%s" % (akid, region)
    amzdate = h.headers.get("x-amz-date", "")
    payload = h.headers.get("x-amz-content-sha256", "")
    if not amzdate.startswith(date) or payload != hashlib.sha256(b"").hexdigest():
        return "x-amz-date or x-amz-content-sha256 missing or wrong"
    if args.aws_token and h.headers.get("x-amz-security-token") != args.aws_token:
        return "x-amz-security-token missing"
    names = signed.split(";")
    for need in ("host", "x-amz-date", "x-amz-content-sha256") + (("x-amz-security-token",) if args.aws_token else ()):
        if need not in names:
            return "%s not signed" % need
    path, _, query = h.path.partition("?")
    canon_hdrs = "".join("%s:%s\n" % (n, " ".join(h.headers.get(n, "").split())) for n in names)
    canon = "\n".join(["GET", path, query, canon_hdrs, signed, payload])
    scope = "%s/%s/s3/aws4_request" % (date, region)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope, hashlib.sha256(canon.encode()).hexdigest()])
    k = sign(("AWS4" + args.aws_secret).encode(), date)
    k = sign(sign(sign(k, region), "s3"), "aws4_request")
    want = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return "" if hmac.compare_digest(want, sig) else "signature mismatch"


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def refuse(self, code, why):
        body = ("<Error><Code>%d</Code><Message>%s</Message></Error>" % (code, why)).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        with open(args.log, "a") as lf:
            lf.write("GET %s auth=%s\n" % (self.path, auth.split(" ")[0] if auth else "-"))
        parts = urllib.parse.unquote(self.path.split("?")[0]).lstrip("/").split("/", 1)
        if len(parts) != 2:
            return self.refuse(404, "no such role")
        role, rest = parts
        if role == "s3":
            if args.aws_secret:
                why = sigv4_ok(self)
                if why:
                    with open(args.log, "a") as lf:
                        lf.write("  refused: %s\n" % why)
                    return self.refuse(403, why)
            rest = rest.split("/", 1)[1] if "/" in rest else ""
        elif role == "gcs":
            bucket, _, rest = rest.partition("/")
            if bucket == "private" and auth != "Bearer " + args.gcs_token:
                return self.refuse(401, "bearer token required")
        elif role not in ("plain", "die"):
            return self.refuse(404, "no such role")
        path = os.path.join(args.root, rest)
        if not rest or ".." in rest.split("/") or not os.path.isfile(path):
            return self.refuse(404, "no such object")
        data = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if role == "die":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(data)


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
if args.cert:
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
