#!/usr/bin/env bash
# Installs the library into a temp prefix and builds a separate program against it twice:
# with pkg-config and with CMake's find_package(mqttids).
set -eu
BUILD_DIR=$1
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cmake --install "$BUILD_DIR" --prefix "$T/prefix" >/dev/null
LIBDIR=$(dirname "$(find "$T/prefix" -name 'libmqttids.so' | head -1)")
printf 'tcp.flags,tcp.time_delta,tcp.len,mqtt.conack.flags,mqtt.conack.flags.reserved,mqtt.conack.flags.sp,mqtt.conack.val,mqtt.conflag.cleansess,mqtt.conflag.passwd,mqtt.conflag.qos,mqtt.conflag.reserved,mqtt.conflag.retain,mqtt.conflag.uname,mqtt.conflag.willflag,mqtt.conflags,mqtt.dupflag,mqtt.hdrflags,mqtt.kalive,mqtt.len,mqtt.msg,mqtt.msgid,mqtt.msgtype,mqtt.proto_len,mqtt.protoname,mqtt.qos,mqtt.retain,mqtt.sub.qos,mqtt.suback.qos,mqtt.ver,mqtt.willmsg,mqtt.willmsg_len,mqtt.willtopic,mqtt.willtopic_len,target\n0x00000010,0.5,0,0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0,0.0,0,0.0,0.0,0,0.0,0.0,0.0,0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,dos\n' > "$T/one.csv"
pass=0
# A sanitizer build's library needs the sanitizer runtime loaded first: build the consumer likewise.
SAN=""
if ldd "$LIBDIR/libmqttids.so" | grep -q libasan; then SAN="-fsanitize=address,undefined"; fi
# 1. pkg-config
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
cc -std=c11 $SAN $(pkg-config --define-prefix --cflags mqttids) tests/cli/consumer/consumer.c -o "$T/c1" $(pkg-config --define-prefix --libs mqttids) -Wl,-rpath,"$LIBDIR"
"$T/c1" "$T/one.csv" | grep -q "1 rows, feature 0 is tcp.flags" && pass=$((pass+1))
# 2. CMake package config
cmake -S tests/cli/consumer -B "$T/cb" -DCMAKE_PREFIX_PATH="$T/prefix" -DCMAKE_C_FLAGS="$SAN" >/dev/null
cmake --build "$T/cb" >/dev/null
LD_LIBRARY_PATH="$LIBDIR" "$T/cb/consumer" "$T/one.csv" | grep -q "1 rows" && pass=$((pass+1))
echo "$pass passed, $((2 - pass)) failed"
[ "$pass" -eq 2 ]
