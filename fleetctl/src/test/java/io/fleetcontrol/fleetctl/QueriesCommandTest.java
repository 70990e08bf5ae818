package io.fleetcontrol.fleetctl;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.wire.WireTime;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --watch, last-seen filters, the audit trail, and the config file, against the fake AdminService. */
class QueriesCommandTest {
  private static FakeAdminServer server;

  @TempDir Path home;

  @BeforeAll
  static void startServer() throws Exception {
    server = new FakeAdminServer();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void forgetEarlierCalls() {
    server.service.reset();
  }

  @Test
  void statusWatchShowsTheSummaryAgainEachRound() {
    CliResult result = CliResult.against(server, "status", "--watch", "50ms", "--watch-count", "3");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(3, result.out().lines().filter(l -> l.startsWith("# ") && l.endsWith("fleetctl status")).count(),
        result.out());
    assertEquals(3, result.out().lines().filter(l -> l.contains("12 total, 9 online")).count(), result.out());
    assertEquals(3, server.service.metadata.size(), "one call per round");
  }

  @Test
  void devicesListWatchAsksAgainEachRound() {
    CliResult result = CliResult.against(server, "devices", "list", "--watch=20ms", "--watch-count=2", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(2, server.service.listRequests.size());
  }

  @Test
  void lastSeenFiltersTakeAnAgeOrATime() {
    Instant before = Instant.now();
    CliResult result = CliResult.against(server, "devices", "list", "--seen-before", "24h",
        "--seen-after", "2026-11-01T09:00:00Z");

    assertEquals(0, result.exitCode(), result.err());
    var sent = server.service.listRequests.get(0);
    long dayAgo = before.minus(Duration.ofHours(24)).getEpochSecond();
    assertTrue(Math.abs(WireTime.fromProto(sent.getLastSeenBefore()).getEpochSecond() - dayAgo) < 60, sent.toString());
    assertEquals(Instant.parse("2026-11-01T09:00:00Z"), WireTime.fromProto(sent.getLastSeenAfter()));

    CliResult bad = CliResult.against(server, "devices", "list", "--seen-before", "yesterday");
    assertEquals(ExitCodes.USAGE, bad.exitCode());
    assertTrue(bad.err().contains("--seen-before must be a duration ago"), bad.err());
    assertEquals(1, server.service.listRequests.size(), "nothing sent for the bad one");
  }

  @Test
  void auditListFollowsPagesUpToTheLimit() throws Exception {
    CliResult table = CliResult.against(server, "audit", "list", "--action", "pause.started", "--limit", "3");

    assertEquals(0, table.exitCode(), table.err());
    assertTrue(table.out().startsWith("TIME"), table.out());
    assertEquals(4, table.out().lines().count(), "header and three events: " + table.out());
    assertTrue(table.out().contains("device:dev-01") && table.out().contains("pause.started"), table.out());
    assertTrue(server.service.auditRequests.stream().allMatch(r -> r.getAction().equals("pause.started")));
    assertEquals(2, server.service.auditRequests.size(), "two pages of at most two");

    server.service.reset();
    CliResult json = CliResult.against(server, "audit", "list", "--device", "dev-02", "-o", "json");
    assertEquals(0, json.exitCode(), json.err());
    JsonNode out = new ObjectMapper().readTree(json.out());
    assertEquals(5, out.get("events").size());
    assertEquals("dev-02", server.service.auditRequests.get(0).getDeviceId());
    assertEquals("pause.started", out.get("events").get(0).get("action").asText());
  }

  @Test
  void theConfigFileGivesServerAndTokenAndFlagsAndEnvironmentWin() throws Exception {
    Path config = home.resolve(".config/fleetctl/config.yaml");
    Files.createDirectories(config.getParent());
    Files.writeString(config, "server: " + server.address() + "\ntoken: from-file\n");
    Map<String, String> env = Map.of("HOME", home.toString());

    assertEquals(0, run(env, "status").exitCode());
    assertEquals(Optional.of("Bearer from-file"), server.service.metadata.get(0).getText("authorization"));

    server.service.reset();
    assertEquals(0, run(Map.of("HOME", home.toString(), "FLEET_TOKEN", "from-env"), "status").exitCode());
    assertEquals(Optional.of("Bearer from-env"), server.service.metadata.get(0).getText("authorization"));

    server.service.reset();
    assertEquals(0, run(env, "--token", "from-flag", "status").exitCode());
    assertEquals(Optional.of("Bearer from-flag"), server.service.metadata.get(0).getText("authorization"));

    Path elsewhere = home.resolve("other.yaml");
    Files.writeString(elsewhere, "server: " + server.address() + "\ntoken: other\n");
    server.service.reset();
    assertEquals(0, run(Map.of("FLEETCTL_CONFIG", elsewhere.toString()), "status").exitCode());
    assertEquals(Optional.of("Bearer other"), server.service.metadata.get(0).getText("authorization"));
  }

  @Test
  void contextsPickServerAndTokenAndUseContextSwitchesThem() throws Exception {
    Path config = home.resolve("contexts.yaml");
    Files.writeString(config, "current-context: staging\ncontexts:\n"
        + "  staging: {server: '" + server.address() + "', token: staging-token}\n"
        + "  prod: {server: '" + server.address() + "', token: prod-token}\n");
    Map<String, String> env = Map.of("FLEETCTL_CONFIG", config.toString());

    assertEquals(0, run(env, "status").exitCode());
    assertEquals(Optional.of("Bearer staging-token"), server.service.metadata.get(0).getText("authorization"));
    server.service.reset();
    assertEquals(0, run(env, "--context", "prod", "status").exitCode());
    assertEquals(Optional.of("Bearer prod-token"), server.service.metadata.get(0).getText("authorization"),
        "--context picks one for this call");

    CliResult listed = run(env, "config", "get-contexts");
    assertEquals(0, listed.exitCode(), listed.err());
    assertTrue(listed.out().lines().anyMatch(line -> line.matches("\\*\\s+staging\\s+.*")), listed.out());
    assertFalse(listed.out().contains("token"), "tokens are never printed: " + listed.out());

    CliResult switched = run(env, "config", "use-context", "prod");
    assertEquals(0, switched.exitCode(), switched.err());
    server.service.reset();
    assertEquals(0, run(env, "status").exitCode());
    assertEquals(Optional.of("Bearer prod-token"), server.service.metadata.get(0).getText("authorization"),
        "use-context changed the current context in the file");

    CliResult unknown = run(env, "config", "use-context", "nope");
    assertEquals(ExitCodes.USAGE, unknown.exitCode());
    assertTrue(unknown.err().contains("no context 'nope'") && unknown.err().contains("prod"), unknown.err());
    CliResult unknownFlag = run(env, "--context", "nope", "status");
    assertEquals(ExitCodes.USAGE, unknownFlag.exitCode());
    assertTrue(unknownFlag.err().contains("has no context 'nope'"), unknownFlag.err());

    server.service.reset();
    assertEquals(0, run(Map.of("FLEETCTL_CONFIG", config.toString(), "FLEETCTL_CONTEXT", "staging"), "status").exitCode());
    assertEquals(Optional.of("Bearer staging-token"), server.service.metadata.get(0).getText("authorization"),
        "$FLEETCTL_CONTEXT beats current-context");
    server.service.reset();
    assertEquals(0, run(Map.of("FLEETCTL_CONFIG", config.toString(), "FLEETCTL_CONTEXT", "staging"),
        "--context", "prod", "status").exitCode());
    assertEquals(Optional.of("Bearer prod-token"), server.service.metadata.get(0).getText("authorization"),
        "--context beats $FLEETCTL_CONTEXT");

    Files.writeString(config, Files.readString(config).replace("contexts:\n", "contexts:\n  broken: {sever: typo}\n"));
    CliResult toBroken = run(env, "config", "use-context", "broken");
    assertEquals(ExitCodes.USAGE, toBroken.exitCode());
    assertTrue(toBroken.err().contains("unknown key 'sever'"), toBroken.err());
    assertTrue(Files.readString(config).contains("current-context: \"prod\"")
        || Files.readString(config).contains("current-context: prod"), "the file still names prod: " + Files.readString(config));

    Path flat = home.resolve("flat.yaml");
    Files.writeString(flat, "server: '" + server.address() + "'\ntoken: flat-token\n");
    server.service.reset();
    assertEquals(0, run(Map.of("FLEETCTL_CONFIG", flat.toString(), "FLEETCTL_CONTEXT", "prod"), "status").exitCode(),
        "$FLEETCTL_CONTEXT set for another file does not break a file without contexts");
    assertEquals(Optional.of("Bearer flat-token"), server.service.metadata.get(0).getText("authorization"));

    Files.writeString(config, "server: '" + server.address() + "'\ncontexts:\n  a: {token: x}\n");
    CliResult mixed = run(env, "status");
    assertEquals(ExitCodes.USAGE, mixed.exitCode());
    assertTrue(mixed.err().contains("'server' beside 'contexts'"), mixed.err());
  }

  @Test
  void aBadConfigFileIsAUsageErrorNamingTheProblem() throws Exception {
    Path config = home.resolve("bad.yaml");
    Files.writeString(config, "sever: 127.0.0.1:1\n");
    CliResult typo = run(Map.of(), "--config", config.toString(), "status");
    assertEquals(ExitCodes.USAGE, typo.exitCode());
    assertTrue(typo.err().contains("unknown key 'sever'"), typo.err());

    CliResult missing = run(Map.of(), "--config", home.resolve("nope.yaml").toString(), "status");
    assertEquals(ExitCodes.USAGE, missing.exitCode());
    assertTrue(missing.err().contains("does not exist"), missing.err());

    Files.writeString(config, "server: no-port-here\n");
    CliResult badServer = run(Map.of(), "--config", config.toString(), "status");
    assertEquals(ExitCodes.USAGE, badServer.exitCode());
    assertTrue(badServer.err().contains("server: expected HOST:PORT"), badServer.err());
    assertEquals(0, server.service.metadata.size(), "nothing was sent");
  }

  private static CliResult run(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>();
    Collections.addAll(all, args);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exitCode = Fleetctl.run(all.toArray(String[]::new), new PrintStream(out, true, UTF_8),
        new PrintStream(err, true, UTF_8), CliResult.plaintext(env));
    return new CliResult(exitCode, out.toString(UTF_8), err.toString(UTF_8));
  }
}
