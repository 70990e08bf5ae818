package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS by default, --ca-file, --plaintext: fleetctl against a fake AdminService served over TLS. */
class TransportTest {
  @TempDir static Path dir;
  private static TestCertificates certificates;
  /** A CA that did not sign the server's certificate. */
  private static TestCertificates otherCa;
  private static FakeAdminServer tlsServer;
  private static FakeAdminServer plainServer;
  /** No FLEET_* variables and a HOME without a config file, so only what a test passes counts. */
  private Map<String, String> env;

  @BeforeAll
  static void start() throws Exception {
    certificates = TestCertificates.create(dir, "fleet-test-ca");
    otherCa = TestCertificates.create(dir, "other-ca");
    tlsServer = new FakeAdminServer(certificates);
    plainServer = new FakeAdminServer();
  }

  @AfterAll
  static void stop() throws Exception {
    tlsServer.close();
    plainServer.close();
  }

  @BeforeEach
  void cleanSlate() throws Exception {
    tlsServer.service.reset();
    plainServer.service.reset();
    env = Map.of("HOME", Files.createTempDirectory(dir, "home").toString());
  }

  private CliResult fleetctl(Map<String, String> env, FakeAdminServer server, String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("--server", server.address(), "--token="));
    all.addAll(List.of(args));
    return CliResult.run(env, all.toArray(String[]::new));
  }

  private static void assertOneLineError(CliResult result, int exitCode, String expected) {
    assertEquals(exitCode, result.exitCode(), result.err());
    assertEquals(1, result.errLines().size(), result.err());
    assertEquals(expected, result.errLines().get(0));
    assertEquals("", result.out());
  }

  @Test
  void caFileFlagTrustsThatCa() {
    CliResult result = fleetctl(env, tlsServer, "--ca-file", certificates.caCert().toString(), "status", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("\"online\" : 9"), result.out());
    assertEquals(1, tlsServer.service.metadata.size(), "the call arrived over TLS");
  }

  @Test
  void caFileFromTheEnvironment() {
    CliResult result = fleetctl(Map.of("HOME", env.get("HOME"), "FLEET_CA_FILE", certificates.caCert().toString()),
        tlsServer, "status");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(1, tlsServer.service.metadata.size());
  }

  @Test
  void anotherCaIsRefusedWithOneLine() {
    CliResult result = fleetctl(env, tlsServer, "--ca-file", otherCa.caCert().toString(), "status");

    assertOneLineError(result, ExitCodes.ERROR, "fleetctl: status: UNAVAILABLE: cannot reach " + tlsServer.address()
        + " over TLS: the server's certificate is not signed by the CA in " + otherCa.caCert() + " (--ca-file)");
    assertTrue(tlsServer.service.metadata.isEmpty(), "nothing reached the service");
  }

  @Test
  void tlsIsTheDefaultAndTheSystemStoreDoesNotTrustAPrivateCa() {
    CliResult result = fleetctl(env, tlsServer, "status");

    assertOneLineError(result, ExitCodes.ERROR, "fleetctl: status: UNAVAILABLE: cannot reach " + tlsServer.address()
        + " over TLS: the server's certificate is not trusted (--ca-file?)");
  }

  @Test
  void tlsAgainstAPlaintextServerSaysSo() {
    CliResult result = fleetctl(env, plainServer, "--ca-file", certificates.caCert().toString(), "status");

    assertOneLineError(result, ExitCodes.ERROR, "fleetctl: status: UNAVAILABLE: cannot reach " + plainServer.address()
        + " over TLS: the server does not speak TLS (a dev controller on loopback? then --plaintext)");
    assertTrue(plainServer.service.metadata.isEmpty());
  }

  @Test
  void plaintextAgainstTheTlsServerFailsClearly() {
    CliResult result = fleetctl(env, tlsServer, "--plaintext", "status");

    assertOneLineError(result, ExitCodes.ERROR, "fleetctl: status: UNAVAILABLE: server " + tlsServer.address()
        + " closed the plaintext connection (it may serve TLS only: drop --plaintext)");
    assertTrue(tlsServer.service.metadata.isEmpty());
  }

  @Test
  void plaintextWorksOnLoopback() {
    CliResult result = fleetctl(env, plainServer, "--plaintext", "status");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(1, plainServer.service.metadata.size());
  }

  @Test
  void plaintextOffLoopbackIsAUsageError() {
    CliResult flag = CliResult.run(env, "--plaintext", "--server", "10.1.2.3:8080", "status");
    CliResult fromEnv = CliResult.run(Map.of("HOME", env.get("HOME"), "FLEET_PLAINTEXT", "true"),
        "--server", "fleet.example.com:8080", "status");

    assertOneLineError(flag, ExitCodes.USAGE, "fleetctl: status: USAGE: --plaintext is for a controller on loopback"
        + " only, not 10.1.2.3; use TLS (with --ca-file if its CA is private)");
    assertEquals(ExitCodes.USAGE, fromEnv.exitCode(), fromEnv.err());
    assertTrue(fromEnv.err().contains("FLEET_PLAINTEXT is for a controller on loopback only, not fleet.example.com"),
        fromEnv.err());
  }

  @Test
  void loopbackIsDecidedWithoutDns() {
    assertTrue(Transport.isLoopback("127.0.0.1"));
    assertTrue(Transport.isLoopback("127.1.2.3"));
    assertTrue(Transport.isLoopback("localhost"));
    assertTrue(Transport.isLoopback("::1"));
    assertTrue(Transport.isLoopback("0:0:0:0:0:0:0:1"));
    assertFalse(Transport.isLoopback("10.1.2.3"));
    assertFalse(Transport.isLoopback("::2"));
    assertFalse(Transport.isLoopback("127.0.0.1.example.com"));
    assertFalse(Transport.isLoopback("dev-box"));
  }

  @Test
  void plaintextAndCaFileTogetherIsAUsageError() {
    CliResult result = fleetctl(env, plainServer, "--plaintext", "--ca-file", certificates.caCert().toString(), "status");

    assertOneLineError(result, ExitCodes.USAGE, "fleetctl: status: USAGE: --plaintext and --ca-file exclude each other");
    assertTrue(plainServer.service.metadata.isEmpty());
  }

  @Test
  void anUnreadableCaFileIsAUsageErrorNamingIt() throws Exception {
    Path missing = dir.resolve("no-such-ca.crt");
    Path notPem = Files.writeString(dir.resolve("not-a-cert.crt"), "hello\n");

    CliResult noFile = fleetctl(env, tlsServer, "--ca-file", missing.toString(), "status");
    CliResult garbage = fleetctl(env, tlsServer, "--ca-file", notPem.toString(), "status");

    assertOneLineError(noFile, ExitCodes.USAGE,
        "fleetctl: status: USAGE: CA file " + missing + " (--ca-file) cannot be read: no such file");
    assertEquals(ExitCodes.USAGE, garbage.exitCode(), garbage.err());
    assertEquals(1, garbage.errLines().size(), garbage.err());
    assertTrue(garbage.err().startsWith("fleetctl: status: USAGE: CA file " + notPem + ": "), garbage.err());
    assertTrue(tlsServer.service.metadata.isEmpty());
  }

  @Test
  void caFileInTheConfigFileIsRelativeToIt() throws Exception {
    Path configDir = Files.createDirectories(dir.resolve("conf-" + System.nanoTime()));
    Files.copy(certificates.caCert(), configDir.resolve("fleet-ca.crt"));
    Path config = Files.writeString(configDir.resolve("config.yaml"),
        "server: " + tlsServer.address() + "\nca_file: fleet-ca.crt\n");

    CliResult result = CliResult.run(env, "--config", config.toString(), "--token=", "status");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(1, tlsServer.service.metadata.size());
  }

  @Test
  void plaintextInTheConfigFileAndFlagsThatWin() throws Exception {
    Path config = Files.writeString(dir.resolve("plain-" + System.nanoTime() + ".yaml"),
        "server: " + plainServer.address() + "\nplaintext: true\n");

    CliResult fromFile = CliResult.run(env, "--config", config.toString(), "--token=", "status");
    // The flag is more specific than the file: TLS with the CA, to the plaintext server, fails.
    CliResult flagWins = CliResult.run(env, "--config", config.toString(), "--token=",
        "--ca-file", certificates.caCert().toString(), "status");

    assertEquals(0, fromFile.exitCode(), fromFile.err());
    assertEquals(1, plainServer.service.metadata.size());
    assertEquals(ExitCodes.ERROR, flagWins.exitCode(), flagWins.err());
    assertTrue(flagWins.err().contains("the server does not speak TLS"), flagWins.err());
  }

  @Test
  void badTransportSettingsInTheConfigFile() throws Exception {
    Path config = dir.resolve("bad-" + System.nanoTime() + ".yaml");

    Files.writeString(config, "plaintext: yes please\n");
    CliResult notBoolean = CliResult.run(env, "--config", config.toString(), "status");
    Files.writeString(config, "plaintext: true\nca_file: ca.crt\n");
    CliResult both = CliResult.run(env, "--config", config.toString(), "status");
    Files.writeString(config, "cafile: ca.crt\n");
    CliResult typo = CliResult.run(env, "--config", config.toString(), "status");

    assertEquals(ExitCodes.USAGE, notBoolean.exitCode(), notBoolean.err());
    assertTrue(notBoolean.err().contains("'plaintext' must be true or false"), notBoolean.err());
    assertEquals(ExitCodes.USAGE, both.exitCode(), both.err());
    assertTrue(both.err().contains("exclude each other"), both.err());
    assertEquals(ExitCodes.USAGE, typo.exitCode(), typo.err());
    assertTrue(typo.err().contains("unknown key 'cafile' (known: server, token, ca_file, plaintext)"), typo.err());
  }

  @Test
  void badPlaintextVariableIsAUsageError() {
    CliResult result = fleetctl(Map.of("HOME", env.get("HOME"), "FLEET_PLAINTEXT", "yes"), plainServer, "status");

    assertOneLineError(result, ExitCodes.USAGE, "fleetctl: status: USAGE: FLEET_PLAINTEXT must be true or false, got 'yes'");
  }

  @Test
  void helpNamesTheTransportOptions() {
    CliResult result = CliResult.run(env, "--help");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("--ca-file=FILE"), result.out());
    assertTrue(result.out().contains("--plaintext"), result.out());
    assertTrue(result.out().contains("FLEET_CA_FILE"), result.out());
  }
}
