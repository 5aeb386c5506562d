#!/bin/sh
# Makes the S-SCTP test certificates (valid 2026-2126) with OpenSSL 3:
#   ca.pem         trusted Ed25519 root ("sctpkit test CA")
#   server.pem/key Ed25519 leaf for the listener, signed by ca
#   client.pem/key Ed25519 leaf for the connecting side, signed by ca
#   rogue-ca.pem   another Ed25519 root, trusted by nobody in the tests
#   rogue.pem/key  Ed25519 leaf signed by rogue-ca (must be refused)
#   rsa-ca.pem         RSA-2048 root (sha256WithRSAEncryption, PKCS#1 v1.5)
#   rsa-server.pem/key RSA-2048 leaf signed by rsa-ca with RSASSA-PSS (SHA-256)
#   rsa-client.pem/key RSA-2048 leaf signed by rsa-ca with PKCS#1 v1.5 (SHA-256)
#   rsa-rogue.pem/key  RSA-2048 leaf signed by rogue-ca (must be refused)
#   ec-ca.pem          ECDSA P-256 root (ecdsa-with-SHA256)
#   ec-server.pem/key  ECDSA P-256 leaf signed by ec-ca
# Keys are PKCS#8 PEM. Existing files are kept (delete them to remake).
# Run in this directory: sh make-certs.sh
set -e
ext=leaf.ext
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:sctpkit.test\n' > $ext
key() { # name algorithm
  case $2 in
    ed25519) openssl genpkey -algorithm ed25519 -out $1.key ;;
    rsa) openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out $1.key ;;
    p256) openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out $1.key ;;
  esac
}
ca() { # name subject algorithm
  [ -f $1.pem ] && return
  key $1 $3
  openssl req -x509 -new -key $1.key -subj "/CN=$2" -days 36500 -sha256 -out $1.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() { # name ca subject algorithm [x509 signing options]
  [ -f $1.pem ] && return
  n=$1 c=$2 s=$3 a=$4
  shift 4
  key $n $a
  openssl req -new -key $n.key -subj "/CN=$s" -out $n.csr
  openssl x509 -req -in $n.csr -CA $c.pem -CAkey $c.key -CAcreateserial -days 36500 -extfile $ext "$@" -out $n.pem
  rm -f $n.csr
}
ca ca "sctpkit test CA" ed25519
ca rogue-ca "rogue CA" ed25519
leaf server ca "sctpkit server" ed25519
leaf client ca "sctpkit client" ed25519
leaf rogue rogue-ca "rogue peer" ed25519
ca rsa-ca "sctpkit RSA test CA" rsa
leaf rsa-server rsa-ca "sctpkit RSA server" rsa -sha256 \
  -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:sha256
leaf rsa-client rsa-ca "sctpkit RSA client" rsa -sha256
leaf rsa-rogue rogue-ca "rogue RSA peer" rsa
ca ec-ca "sctpkit ECDSA test CA" p256
leaf ec-server ec-ca "sctpkit ECDSA server" p256 -sha256
rm -f $ext *.srl
