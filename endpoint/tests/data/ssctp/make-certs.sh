#!/bin/sh
# Makes the S-SCTP test certificates (Ed25519, valid 2026-2126) with OpenSSL 3:
#   ca.pem         trusted root ("sctpkit test CA")
#   server.pem/key leaf for the listener, signed by ca
#   client.pem/key leaf for the connecting side, signed by ca
#   rogue-ca.pem   another root, trusted by nobody in the tests
#   rogue.pem/key  leaf signed by rogue-ca (must be refused)
# Keys are PKCS#8 PEM. Run in this directory: sh make-certs.sh
set -e
ext=leaf.ext
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:sctpkit.test\n' > $ext
ca() { # name subject
  openssl genpkey -algorithm ed25519 -out $1.key
  openssl req -x509 -new -key $1.key -subj "/CN=$2" -days 36500 -out $1.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() { # name ca subject
  openssl genpkey -algorithm ed25519 -out $1.key
  openssl req -new -key $1.key -subj "/CN=$3" -out $1.csr
  openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial -days 36500 -extfile $ext -out $1.pem
  rm -f $1.csr
}
ca ca "sctpkit test CA"
ca rogue-ca "rogue CA"
leaf server ca "sctpkit server"
leaf client ca "sctpkit client"
leaf rogue rogue-ca "rogue peer"
rm -f $ext *.srl
