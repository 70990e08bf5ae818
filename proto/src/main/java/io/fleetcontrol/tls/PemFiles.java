package io.fleetcontrol.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS material from PEM files, as deploy/tls.sh, openssl and Kubernetes TLS Secrets write them:
 * the controller's key and chain, and the CA that agents and fleetctl trust. One place, so the
 * controller, the agent and fleetctl read certificates the same way.
 */
public final class PemFiles {

  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----(.+?)-----END PRIVATE KEY-----", Pattern.DOTALL);

  private PemFiles() {}

  /** A file that cannot be used, with the path and what is wrong in words. */
  public static final class Problem extends IllegalArgumentException {
    Problem(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Certificates in the file, in order (a chain: leaf first). */
  public static List<X509Certificate> certificates(Path file) {
    try {
      byte[] pem = Files.readAllBytes(file);
      List<X509Certificate> certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem)).stream()
          .map(X509Certificate.class::cast).toList();
      if (certs.isEmpty()) {
        throw new Problem(file + ": no PEM certificate in it", null);
      }
      return certs;
    } catch (IOException | GeneralSecurityException e) {
      throw new Problem(file + ": not a readable PEM certificate file (" + e.getMessage() + ")", e);
    }
  }

  /** An unencrypted PKCS#8 key ("BEGIN PRIVATE KEY"), RSA or EC. */
  public static PrivateKey privateKey(Path file) {
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new Problem(file + ": cannot read the private key (" + e.getMessage() + ")", e);
    }
    Matcher m = PRIVATE_KEY.matcher(pem);
    if (!m.find()) {
      throw new Problem(file + ": no unencrypted PKCS#8 key (\"BEGIN PRIVATE KEY\"); convert it with "
          + "openssl pkcs8 -topk8 -nocrypt", null);
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException tryNext) {
        // The PEM does not say which algorithm; the right factory accepts it.
      }
    }
    throw new Problem(file + ": the key is neither EC, RSA nor Ed25519", null);
  }

  /** A server context presenting {@code chainFile}'s certificates with {@code keyFile}'s key. */
  public static SSLContext serverContext(Path chainFile, Path keyFile) {
    KeyManagerFactory keys = serverKeys(chainFile, keyFile);
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new Problem("TLS cannot start with " + keyFile + " (" + e.getMessage() + ")", e);
    }
  }

  /** {@code chainFile}'s certificates with {@code keyFile}'s key, checked to belong together. */
  public static KeyManagerFactory serverKeys(Path chainFile, Path keyFile) {
    List<X509Certificate> chain = certificates(chainFile);
    PrivateKey key = privateKey(keyFile);
    try {
      char[] password = new char[0];
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", key, password, chain.toArray(new Certificate[0]));
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      return keys;
    } catch (GeneralSecurityException | IOException e) {
      throw new Problem(keyFile + " does not match the certificate in " + chainFile + " (" + e.getMessage() + ")", e);
    }
  }

  /** Trusts the CA certificates in {@code caFile}, and nothing else. */
  public static X509TrustManager trustManager(Path caFile) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int n = 0;
      for (X509Certificate ca : certificates(caFile)) {
        store.setCertificateEntry("ca-" + n++, ca);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      return (X509TrustManager) trust.getTrustManagers()[0];
    } catch (GeneralSecurityException | IOException e) {
      throw new Problem(caFile + ": cannot build a trust store from it (" + e.getMessage() + ")", e);
    }
  }
}
