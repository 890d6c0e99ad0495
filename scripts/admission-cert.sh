#!/usr/bin/env bash
# Makes (or renews) the admission webhook's certificate with openssl and installs it with kubectl:
# the Secret kontroler-admission-tls (tls.crt, tls.key) that the controller mounts, and the CA in the
# ValidatingWebhookConfiguration kontroler-admission's caBundle. See docs/admission.md.
#
#   scripts/admission-cert.sh [DIR]     DIR keeps the CA between runs (default ./.kontroler-admission-ca)
#
# The first run makes a CA (10 years) in DIR; every run signs a new serving certificate (1 year) with it
# for kontroler-controller-admission.<namespace>.svc. Renewing with the same CA needs no caBundle change:
# the controller reads the updated Secret within a minute (kubelet sync) plus KONTROLER_ADMISSION_RELOAD_MS.
# Keep DIR private: its ca.key signs certificates the apiserver trusts for this webhook.
set -euo pipefail
NAMESPACE=${KONTROLER_NAMESPACE:-kontroler}
SERVICE=kontroler-controller-admission
DIR=${1:-./.kontroler-admission-ca}
mkdir -p "$DIR" && chmod 700 "$DIR"
if [ ! -f "$DIR/ca.key" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kontroler-admission-ca" \
    -keyout "$DIR/ca.key" -out "$DIR/ca.crt" 2>/dev/null
fi
WORK=$(mktemp -d) && trap 'rm -rf "$WORK"' EXIT
printf 'subjectAltName=DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local\n' "$SERVICE" "$NAMESPACE" "$SERVICE" "$NAMESPACE" > "$WORK/ext"
openssl req -newkey rsa:2048 -nodes -subj "/CN=$SERVICE.$NAMESPACE.svc" \
  -keyout "$WORK/tls.key" -out "$WORK/tls.csr" 2>/dev/null
openssl x509 -req -in "$WORK/tls.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -CAcreateserial \
  -days 365 -extfile "$WORK/ext" -out "$WORK/tls.crt" 2>/dev/null
kubectl -n "$NAMESPACE" create secret tls kontroler-admission-tls --cert="$WORK/tls.crt" --key="$WORK/tls.key" \
  --dry-run=client -o yaml | kubectl apply -f -
CA_BUNDLE=$(base64 < "$DIR/ca.crt" | tr -d '\n')
kubectl patch validatingwebhookconfiguration kontroler-admission --type=json \
  -p "[{\"op\":\"add\",\"path\":\"/webhooks/0/clientConfig/caBundle\",\"value\":\"$CA_BUNDLE\"}]"
echo "kontroler-admission-tls installed in $NAMESPACE; caBundle set; serving certificate valid for 365 days"
