#!/usr/bin/env bash
# Development certificates for the controller, made once under .run/tls (or DIR, or
# $FLEET_TLS_DIR) and reused after that.
#
#   deploy/tls.sh [DIR]
#
#   ca.crt, ca.key           the dev CA (10 years); agents and fleetctl trust ca.crt
#   controller.crt, .key     gRPC server certificate (825 days, serverAuth), key in unencrypted
#                            PKCS#8 PEM: FLEET_TLS_CERT / FLEET_TLS_KEY, or the k8s Secret
#                            fleet-controller-tls
#   remoting.p12             key and certificate (serverAuth + clientAuth) for Pekko Artery over
#                            tls-tcp with mutual authentication: FLEET_REMOTE_KEYSTORE
#   truststore.p12           ca.crt alone: FLEET_REMOTE_TRUSTSTORE
#
# FLEET_TLS_SANS      extra subject alternative names for controller.crt, comma separated,
#                     e.g. DNS:fleet.example.com,IP:10.0.0.5 (localhost and 127.0.0.1 always)
# FLEET_TLS_STORE_PASSWORD  password of both .p12 files (default changeit-dev)
#
# Files that exist are kept: delete controller.* to pick up new SANs, the .p12 files for a new
# password. Keys are RSA: the widest support (the controller reads RSA or EC PKCS#8 PEM).
set -euo pipefail

REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
case "${1:-}" in
  -h | --help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
DIR=${1:-${FLEET_TLS_DIR:-$REPO_ROOT/.run/tls}}
STORE_PASSWORD=${FLEET_TLS_STORE_PASSWORD:-changeit-dev}
EXTRA_SANS=${FLEET_TLS_SANS:-}

die() { echo "tls.sh: $*" >&2; exit 1; }
command -v openssl >/dev/null || die "openssl is not installed"
command -v keytool >/dev/null || die "keytool (from the JDK) is not on the PATH"
# keytool refuses shorter store passwords.
(( ${#STORE_PASSWORD} >= 6 )) || die "FLEET_TLS_STORE_PASSWORD must be at least 6 characters"

SANS="DNS:localhost,IP:127.0.0.1"
if [[ -n "$EXTRA_SANS" ]]; then
  [[ "$EXTRA_SANS" != *$'\n'* ]] || die "FLEET_TLS_SANS: one line, comma separated"
  IFS=',' read -r -a extra <<<"$EXTRA_SANS"
  for san in "${extra[@]}"; do
    san=${san//[[:space:]]/}
    # Checked, because each one is written into an openssl config file.
    [[ "$san" =~ ^(DNS:[A-Za-z0-9*.-]+|IP:[0-9A-Fa-f.:]+)$ ]] || die "FLEET_TLS_SANS: not DNS:name or IP:address: '$san'"
    SANS+=",$san"
  done
fi

# Keys and stores are readable by their owner only.
umask 077
if [[ ! -d "$DIR" ]]; then
  mkdir -p "$DIR"
  chmod 700 "$DIR"
fi
DIR=$(cd -- "$DIR" && pwd -P)

if [[ -f "$DIR/ca.crt" && -f "$DIR/ca.key" && -f "$DIR/controller.crt" && -f "$DIR/controller.key" \
      && -f "$DIR/remoting.p12" && -f "$DIR/truststore.p12" ]]; then
  echo "tls.sh: using existing $DIR"
  exit 0
fi

# A new CA would not have signed the certificates already there.
if [[ ! -f "$DIR/ca.crt" || ! -f "$DIR/ca.key" ]]; then
  for signed in controller.crt remoting.p12 truststore.p12; do
    if [[ -f "$DIR/$signed" ]]; then
      die "$DIR/$signed exists but the CA that signed it does not; remove $DIR and run again"
    fi
  done
fi

WORK=$(mktemp -d)
trap 'rm -rf -- "$WORK"' EXIT

# Minimal config, so the system's openssl.cnf adds nothing of its own.
cat >"$WORK/req.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
EOF

new_rsa_key() { # FILE BITS: unencrypted PKCS#8 PEM
  openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1" 2>/dev/null
  [[ "$(head -1 "$1")" == "-----BEGIN PRIVATE KEY-----" ]] || die "$1 is not PKCS#8 PEM"
}

sign() { # KEY CN EXTENSIONS OUT: a certificate for KEY signed by the CA, 825 days
  local key=$1 cn=$2 extensions=$3 out=$4
  printf '[v3]\n%s\n' "$extensions" >"$WORK/ext.cnf"
  openssl req -new -config "$WORK/req.cnf" -key "$key" -subj "/O=fleetcontrol dev/CN=$cn" -out "$WORK/req.csr"
  openssl x509 -req -in "$WORK/req.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 825 -sha256 \
    -extfile "$WORK/ext.cnf" -extensions v3 -out "$out" 2>/dev/null
  chmod 644 "$out"
}

if [[ ! -f "$DIR/ca.crt" || ! -f "$DIR/ca.key" ]]; then
  new_rsa_key "$DIR/ca.key" 3072
  cat >"$WORK/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
x509_extensions = v3_ca
prompt = no
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
  openssl req -new -x509 -config "$WORK/ca.cnf" -key "$DIR/ca.key" -subj "/O=fleetcontrol dev/CN=fleetcontrol dev CA" \
    -days 3650 -sha256 -out "$DIR/ca.crt"
  chmod 644 "$DIR/ca.crt"
  echo "tls.sh: made $DIR/ca.crt and ca.key (dev CA, 10 years)"
fi

if [[ ! -f "$DIR/controller.crt" || ! -f "$DIR/controller.key" ]]; then
  new_rsa_key "$DIR/controller.key" 2048
  sign "$DIR/controller.key" "fleet-controller" "basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $SANS
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid" "$DIR/controller.crt"
  echo "tls.sh: made $DIR/controller.crt and controller.key (gRPC server, $SANS)"
fi

# Every controller node presents this one certificate to the others and accepts theirs because the
# dev CA signed it; Pekko checks no host names (hostname-verification is off), so no pod IP SANs.
if [[ ! -f "$DIR/remoting.p12" ]]; then
  new_rsa_key "$WORK/remoting.key" 2048
  sign "$WORK/remoting.key" "fleet-remoting" "basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid" "$WORK/remoting.crt"
  FLEET_TLS_STORE_PASSWORD=$STORE_PASSWORD openssl pkcs12 -export -name remoting \
    -inkey "$WORK/remoting.key" -in "$WORK/remoting.crt" -certfile "$DIR/ca.crt" \
    -passout env:FLEET_TLS_STORE_PASSWORD -out "$DIR/remoting.p12"
  echo "tls.sh: made $DIR/remoting.p12 (Artery key and certificate, alias remoting)"
fi

if [[ ! -f "$DIR/truststore.p12" ]]; then
  # keytool marks the CA as a trusted entry; an openssl-made store with only a certificate is not
  # read as trusting anything by Java.
  FLEET_TLS_STORE_PASSWORD=$STORE_PASSWORD keytool -importcert -noprompt -storetype PKCS12 \
    -keystore "$DIR/truststore.p12" -storepass:env FLEET_TLS_STORE_PASSWORD \
    -alias fleet-dev-ca -file "$DIR/ca.crt" >"$WORK/keytool.out" 2>&1 \
    || { cat "$WORK/keytool.out" >&2; die "keytool could not make $DIR/truststore.p12"; }
  echo "tls.sh: made $DIR/truststore.p12 (trusts ca.crt, alias fleet-dev-ca)"
fi
