package io.fleetcontrol.controller.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.device.DeviceCredential;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a controller refuses to start with, and where admin identities come from. */
class ControllerSecurityTest {

  private static final String KEY = "k".repeat(40);
  private static final String OTHER_KEY = "p".repeat(40);
  private static final String OPS_HASH = DeviceCredential.hashSecret("ops-secret-token");

  /** A production-shaped setup (no dev mode, keys of its own, an admin), changed by {@code overrides}. */
  private static Config config(Map<String, Object> overrides) {
    Map<String, Object> base = new HashMap<>(Map.of(
        "fleet.device-credential-key", KEY,
        "fleet.read-side.page-token-secret", OTHER_KEY,
        "fleet.admin-tokens-inline", "ops:admin:" + OPS_HASH));
    base.putAll(overrides);
    return ConfigFactory.parseMap(base).withFallback(ConfigFactory.load()).resolve();
  }

  private static String refusal(Config config) {
    return assertThrows(ControllerSecurity.Refused.class,
        () -> ControllerSecurity.check(config, AdminTokens.fromConfig(config.getConfig("fleet")))).getMessage();
  }

  @Test
  void plaintextIsRefusedOutsideDevModeOrOffLoopback() {
    assertTrue(refusal(config(Map.of())).contains("fleet.grpc.tls.certificate-chain-file (FLEET_TLS_CERT)"));
    String offLoopback = refusal(config(Map.of("fleet.dev-mode", true, "fleet.grpc.interface", "0.0.0.0")));
    assertTrue(offLoopback.contains("gRPC binds 0.0.0.0, not a loopback address"), offLoopback);
    Config dev = config(Map.of("fleet.dev-mode", true));
    assertTrue(ControllerSecurity.check(dev, AdminTokens.fromConfig(dev.getConfig("fleet"))).isEmpty(),
        "plaintext in dev mode on loopback");
  }

  @Test
  void theDashboardOffLoopbackEndsWhatDevModeAllows() {
    String refused = refusal(config(Map.of("fleet.dev-mode", true, "fleet.dashboard.interface", "0.0.0.0")));
    assertTrue(refused.contains("the dashboard binds 0.0.0.0, not a loopback address"), refused);
    Config off = config(Map.of("fleet.dev-mode", true, "fleet.dashboard.interface", "0.0.0.0",
        "fleet.dashboard.enabled", false));
    assertTrue(ControllerSecurity.check(off, AdminTokens.fromConfig(off.getConfig("fleet"))).isEmpty(),
        "a dashboard that is off binds nothing");
  }

  @Test
  void theDevProfileIsRefusedOn0000EvenWithTls(@TempDir Path dir) throws Exception {
    Config dev = ConfigFactory.parseMap(Map.of("fleet.grpc.interface", "0.0.0.0"))
        .withFallback(ConfigFactory.load("dev")).resolve();
    String refused = refusal(dev);
    assertTrue(refused.contains("FLEET_TLS_CERT"), refused);

    Path chain = dir.resolve("c.crt");
    Path key = dir.resolve("c.key");
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
        key.toString(), "-out", chain.toString(), "-days", "1", "-subj", "/CN=localhost").start();
    assertEquals(0, p.waitFor());
    Config devWithTls = ConfigFactory.parseMap(Map.of("fleet.grpc.interface", "0.0.0.0",
            "fleet.grpc.tls.certificate-chain-file", chain.toString(),
            "fleet.grpc.tls.private-key-file", key.toString()))
        .withFallback(ConfigFactory.load("dev")).resolve();
    String devTokens = refusal(devWithTls);
    assertTrue(devTokens.startsWith("fleet.admin-tokens: the public dev tokens"), devTokens);

    Config devSecretOnly = ConfigFactory.parseMap(Map.of("fleet.grpc.interface", "0.0.0.0",
            "fleet.grpc.tls.certificate-chain-file", chain.toString(),
            "fleet.grpc.tls.private-key-file", key.toString(),
            "fleet.admin-tokens", java.util.List.of(),
            "fleet.admin-tokens-inline", "ops:admin:" + OPS_HASH))
        .withFallback(ConfigFactory.load("dev")).resolve();
    String devKey = refusal(devSecretOnly);
    assertTrue(devKey.startsWith("fleet.device-credential-key (FLEET_DEVICE_CREDENTIAL_KEY) is the public dev value"), devKey);

    Config production = config(Map.of("fleet.grpc.interface", "127.0.0.1",
        "fleet.grpc.tls.certificate-chain-file", chain.toString(),
        "fleet.grpc.tls.private-key-file", key.toString()));
    assertTrue(ControllerSecurity.check(production, AdminTokens.fromConfig(production.getConfig("fleet"))).isPresent());
  }

  @Test
  void missingOrShortSecretsAreRefusedNamingTheSetting() {
    String noKey = refusal(config(Map.of("fleet.dev-mode", true, "fleet.device-credential-key", "")));
    assertTrue(noKey.startsWith("fleet.device-credential-key (FLEET_DEVICE_CREDENTIAL_KEY) must be set"), noKey);
    String shortSecret = refusal(config(Map.of("fleet.dev-mode", true, "fleet.read-side.page-token-secret", "short")));
    assertTrue(shortSecret.startsWith("fleet.read-side.page-token-secret (FLEET_PAGE_TOKEN_SECRET)"), shortSecret);
  }

  @Test
  void clusterRemotingOffLoopbackNeedsTls() {
    String refused = refusal(config(Map.of("fleet.dev-mode", true,
        "pekko.remote.artery.canonical.hostname", "10.0.0.7")));
    assertTrue(refused.startsWith("pekko.remote.artery.transport = tls-tcp"), refused);
  }

  @Test
  void adminTokensComeFromTheFileAndTheEnvironmentFormat(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("admins.conf");
    Files.writeString(file, "admins = [ { name = \"hr-lead\", role = \"approver\", token-sha256 = \""
        + DeviceCredential.hashSecret("hr-token") + "\" } ]\n");
    Config fleet = config(Map.of("fleet.admin-tokens-file", file.toString())).getConfig("fleet");
    AdminTokens tokens = AdminTokens.fromConfig(fleet);

    assertEquals(new AdminTokens.Caller("hr-lead", AdminTokens.Role.APPROVER),
        tokens.require(bearer("hr-token"), AdminTokens.Permission.DECIDE_EXEMPTIONS));
    assertEquals("ops", tokens.require(bearer("ops-secret-token"), AdminTokens.Permission.MANAGE_IDENTITIES).name());
    GrpcServiceException denied = assertThrows(GrpcServiceException.class,
        () -> tokens.require(bearer("hr-token"), AdminTokens.Permission.MANAGE_POLICIES));
    assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
    assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(GrpcServiceException.class,
        () -> tokens.require(bearer(DeviceCredential.hashSecret("hr-token")), AdminTokens.Permission.READ))
        .getStatus().getCode(), "the hash itself is not a token");

    IllegalArgumentException badRole = assertThrows(IllegalArgumentException.class, () -> AdminTokens.fromConfig(
        config(Map.of("fleet.admin-tokens-inline", "eve:root:" + OPS_HASH)).getConfig("fleet")));
    assertTrue(badRole.getMessage().contains("role of eve must be viewer, operator, approver or admin"));
    IllegalArgumentException missingFile = assertThrows(IllegalArgumentException.class, () -> AdminTokens.fromConfig(
        config(Map.of("fleet.admin-tokens-file", dir.resolve("absent.conf").toString())).getConfig("fleet")));
    assertTrue(missingFile.getMessage().startsWith("fleet.admin-tokens-file: cannot read"));
  }

  @Test
  void rolesAreSetsOfPermissionsNotALadder() {
    assertTrue(AdminTokens.Role.APPROVER.may(AdminTokens.Permission.DECIDE_EXEMPTIONS));
    assertTrue(!AdminTokens.Role.APPROVER.may(AdminTokens.Permission.MANAGE_POLICIES));
    assertTrue(!AdminTokens.Role.OPERATOR.may(AdminTokens.Permission.READ_EMPLOYEE_TEXT));
    assertTrue(!AdminTokens.Role.VIEWER.may(AdminTokens.Permission.READ_EMPLOYEE_TEXT));
    assertTrue(AdminTokens.Role.ADMIN.may(AdminTokens.Permission.MANAGE_IDENTITIES));
  }

  private static Metadata bearer(String token) {
    return new org.apache.pekko.grpc.javadsl.MetadataBuilder().addText("authorization", "Bearer " + token).build();
  }
}
