package io.fleetcontrol.fleetctl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway CA and a server certificate for 127.0.0.1 signed by it, made with the openssl
 * command line into a test's directory, as an operator would with deploy/tls.sh.
 *
 * @param caCert the CA certificate, the file given to --ca-file
 * @param serverChain the server's certificate then the CA's
 * @param serverKey the server's PKCS#8 key
 */
record TestCertificates(Path caCert, Path serverChain, Path serverKey) {

  /** A new CA named {@code name} under {@code dir}/name, with a server certificate for IP 127.0.0.1. */
  static TestCertificates create(Path dir, String name) throws IOException, InterruptedException {
    Path d = Files.createDirectories(dir.resolve(name));
    Files.writeString(d.resolve("ca.ext"), """
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash
        """);
    // The client checks the address it dialled against the SAN, so IP:127.0.0.1 is what makes it valid.
    Files.writeString(d.resolve("server.ext"), """
        basicConstraints = CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = IP:127.0.0.1
        authorityKeyIdentifier = keyid
        """);
    openssl(d, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key");
    openssl(d, "req", "-new", "-key", "ca.key", "-subj", "/CN=" + name, "-out", "ca.csr");
    openssl(d, "x509", "-req", "-in", "ca.csr", "-signkey", "ca.key", "-days", "2", "-extfile", "ca.ext",
        "-out", "ca.crt");
    openssl(d, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "server.key");
    openssl(d, "req", "-new", "-key", "server.key", "-subj", "/CN=127.0.0.1", "-out", "server.csr");
    openssl(d, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", "2",
        "-days", "2", "-extfile", "server.ext", "-out", "server.crt");
    Path chain = d.resolve("server-chain.crt");
    Files.writeString(chain, Files.readString(d.resolve("server.crt")) + Files.readString(d.resolve("ca.crt")));
    return new TestCertificates(d.resolve("ca.crt"), chain, d.resolve("server.key"));
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }
}
