package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fleetcontrol.agent.simulator.FaultSwitches;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.RolloutGates;
import io.fleetcontrol.proto.v1.RolloutStatus;
import io.fleetcontrol.proto.v1.StartRolloutRequest;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What an SRE reads off a running controller on the real Cassandra: /metrics moving under a
 * rollout, a dashboard and alert rules that name only metrics the controller serves, and the
 * standard gRPC health service.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsIntegrationTest {

  private static final int AGENTS = 30;
  private static final Path REPO = LocalCassandra.findRepoRoot();
  /** PromQL identifiers that are metrics of ours, the JVM's, the Cassandra driver's or grpc's. */
  private static final Pattern METRIC = Pattern.compile("\\b((?:fleet|cassandra|grpc|jvm|process|system)_[a-z0-9_]+)");
  private static FleetHarness harness;
  private static FleetSimulator fleet;
  private static final HttpClient http = HttpClient.newHttpClient();
  /**
   * Every metric name any scrape here showed. A rollout's gauges exist only while it runs, so the
   * dashboard and the alerts are checked against what the controller served over the whole class.
   */
  private static final Set<String> served = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void start() {
    harness = new FleetHarness();
    fleet = harness.simulate(AGENTS, new FaultSwitches());
    harness.awaitFleetReady(fleet, AGENTS);
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  @Order(1)
  void metricsMoveDuringARolloutAndTheReadSideLagStaysFinite() throws Exception {
    Eventually.within(Duration.ofSeconds(30), () ->
        assertEquals(Optional.of((double) AGENTS), sample(scrape(), "fleet_devices{connection=\"online\""),
            "every agent online in the fleet gauge"));
    String before = scrape();
    double heartbeatsBefore = sample(before, "fleet_agent_heartbeats_total{outcome=\"accepted\"").orElseThrow();
    assertEquals(Optional.of((double) AGENTS), sample(before, "fleet_agent_streams_open"), "one stream per agent");

    long version = harness.newVersionOfDefault("metrics.example.com");
    String rolloutId = harness.admin.startRollout().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
        .invoke(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(version)
            .setSelector(DeviceSelector.newBuilder().setAll(true)).addWavePercents(100.0)
            .setGates(RolloutGates.newBuilder().setMinAckFraction(1.0).setAckDeadlineSeconds(120)
                .setSoakSeconds(10)).build())
        .toCompletableFuture().get(30, TimeUnit.SECONDS).getRollout().getRolloutId();

    // While the wave runs: the acked gauge is seen, and only ever grows; the lag is always finite.
    List<Double> acked = new ArrayList<>();
    List<Double> lags = new ArrayList<>();
    Eventually.within(Duration.ofMinutes(2), () -> {
      String now = scrape();
      sample(now, "fleet_rollout_acked{policy=\"default\",rollout=\"" + rolloutId + "\"").ifPresent(acked::add);
      for (double lag : samples(now, "fleet_read_side_lag_seconds")) {
        assertTrue(Double.isFinite(lag) && lag >= 0 && lag < 60, "read-side lag " + lag + " s");
        lags.add(lag);
      }
      assertEquals(Optional.of((double) AGENTS), acked.isEmpty() ? Optional.empty() : Optional.of(acked.get(acked.size() - 1)),
          "the acked gauge reaches every agent: " + acked);
    });
    assertFalse(lags.isEmpty(), "the read-side lag was reported during the rollout");
    for (int i = 1; i < acked.size(); i++) {
      assertTrue(acked.get(i) >= acked.get(i - 1), "acks never go back: " + acked);
    }
    harness.awaitRollout(rolloutId, RolloutStatus.ROLLOUT_STATUS_SUCCEEDED, Duration.ofMinutes(2));

    Eventually.within(Duration.ofSeconds(30), () -> {
      String after = scrape();
      assertEquals(Optional.of((double) AGENTS),
          sample(after, "fleet_devices_policy{policy=\"default\",version=\"" + version + "\""), "devices on the new version");
      assertTrue(sample(after, "fleet_agent_heartbeats_total{outcome=\"accepted\"").orElseThrow() > heartbeatsBefore,
          "heartbeats counted");
      assertTrue(sample(after, "fleet_rollout_waves_total{outcome=\"passed\"").orElseThrow() >= 1, "the wave passed");
      assertTrue(sample(after, "fleet_agent_requests_total{kind=\"policy_ack\",outcome=\"accepted\"").orElseThrow()
          >= AGENTS, "the agents' acks counted");
      assertTrue(sample(after, "grpc_server_processing_duration_seconds_count{method=\"StartRollout\"").isPresent(),
          "gRPC calls by method");
      assertTrue(samples(after, "cassandra_session_cql_requests_seconds_count").stream().anyMatch(n -> n > 0),
          "Cassandra requests timed");
      assertTrue(sample(after, "fleet_read_side_presence_flush_age_seconds").orElseThrow() < 10,
          "presence written lately");
      assertEquals(Optional.of(1.0), sample(after, "fleet_cluster_members{status=\"up\""), "one node, up");
      assertTrue(sample(after, "fleet_journal_write_seconds_count{outcome=\"ok\"").orElseThrow() >= AGENTS,
          "the rollout's facts were written to the journal");
      assertEquals(Optional.of(0.0), sample(after, "fleet_journal_write_seconds_count{outcome=\"error\""));
      assertTrue(sample(after, "fleet_entity_recovery_seconds_count{entity=\"device\",outcome=\"completed\"")
          .orElseThrow() >= AGENTS, "every agent's entity started");
      assertEquals(Optional.of((double) AGENTS), sample(after, "fleet_entities_running{entity=\"device\""),
          "one device entity per connected agent");
      assertTrue(sample(after, "fleet_dispatcher_wait_seconds_count{dispatcher=\"default-dispatcher\"")
          .orElseThrow() > 0, "the dispatcher probe ran");
      List<Double> behind = samples(after, "fleet_read_side_behind_seconds");
      assertTrue(behind.size() >= DeviceEntity.TAGS.size(), "every device projection's backlog: " + behind);
      assertTrue(behind.stream().allMatch(seconds -> seconds < 30), "the read side caught up: " + behind);
    });
  }

  /**
   * A projection that is stuck writes nothing, so the lag its handler reports stands still; the
   * backlog (oldest event it has not processed) keeps growing until it moves again.
   */
  @Test
  @Order(3)
  void aStuckProjectionShowsAsAGrowingBacklog() throws Exception {
    var policyAudit = org.apache.pekko.projection.ProjectionId.of("admin-audit", "policy");
    String series = "fleet_read_side_behind_seconds{projection=\"admin-audit-policy\"";
    var management = org.apache.pekko.projection.javadsl.ProjectionManagement.get(harness.controllerSystem());
    management.pause(policyAudit).toCompletableFuture().get(30, TimeUnit.SECONDS);
    try {
      harness.newVersionOfDefault("stuck.example.com");
      Eventually.within(Duration.ofSeconds(60), () -> assertTrue(sample(scrape(), series).orElse(0.0) >= 10,
          "the paused projection's backlog grows: " + sample(scrape(), series)));
    } finally {
      management.resume(policyAudit).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    Eventually.within(Duration.ofSeconds(60), () -> assertEquals(Optional.of(0.0), sample(scrape(), series),
        "caught up once resumed"));
  }

  /** One line per admin call when it ends, naming the method, the caller and the status, whatever the outcome. */
  @Test
  @Order(6)
  void everyAdminCallIsLoggedOnceWithItsCallerAndStatus() throws Exception {
    var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
        "io.fleetcontrol.controller.grpc.AdminAccessLog");
    var lines = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    lines.start();
    logger.addAppender(lines);
    try {
      harness.admin.getFleetSummary().addHeader("authorization", "Bearer dev-viewer-token")
          .invoke(GetFleetSummaryRequest.getDefaultInstance()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      for (String bearer : List.of("Bearer dev-viewer-token", "Bearer not-a-token")) {
        try {
          harness.admin.startRollout().addHeader("authorization", bearer)
              .invoke(StartRolloutRequest.newBuilder().setPolicyName("default").build())
              .toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException refused) {
          // Expected: a viewer may not start rollouts, and a made-up token is nobody.
        }
      }
      List<String> logged = lines.list.stream().map(event -> event.getFormattedMessage() + " "
          + event.getKeyValuePairs().stream().map(kv -> kv.key + "=" + kv.value).toList()).toList();
      assertEquals(List.of(
          "admin GetFleetSummary by dev-viewer: OK [method=GetFleetSummary, caller=dev-viewer, status=OK]",
          "admin StartRollout by dev-viewer: PERMISSION_DENIED [method=StartRollout, caller=dev-viewer, status=PERMISSION_DENIED]",
          "admin StartRollout by -: UNAUTHENTICATED [method=StartRollout, caller=-, status=UNAUTHENTICATED]"), logged);
    } finally {
      logger.detachAppender(lines);
    }
  }

  @Test
  @Order(4)
  void theDashboardAndTheAlertsNameOnlyMetricsTheControllerServes() throws Exception {
    scrape();
    assertTrue(served.contains("fleet_rollout_acked"), "the rollout's gauges were seen while it ran");
    ObjectMapper json = new ObjectMapper();
    JsonNode dashboard = json.readTree(REPO.resolve("deploy/grafana/fleet.json").toFile());
    List<String> expressions = new ArrayList<>();
    dashboard.get("panels").forEach(panel -> {
      if (panel.has("targets")) {
        panel.get("targets").forEach(target -> expressions.add(target.get("expr").asText()));
      }
    });
    assertTrue(expressions.size() >= 20, "the dashboard's queries: " + expressions.size());
    JsonNode alerts = new ObjectMapper(new YAMLFactory()).readTree(REPO.resolve("deploy/prometheus/alerts.yaml").toFile());
    List<String> alertNames = new ArrayList<>();
    alerts.get("groups").forEach(group -> group.get("rules").forEach(rule -> {
      alertNames.add(rule.get("alert").asText());
      expressions.add(rule.get("expr").asText());
    }));
    assertTrue(alertNames.containsAll(List.of("FleetOfflineSurge", "FleetReadSideLagging", "FleetRolloutStoppedByGate",
        "FleetMembersMissing", "FleetJournalErrors")), alertNames.toString());
    List<String> missing = new ArrayList<>();
    for (String expr : expressions) {
      Matcher m = METRIC.matcher(expr);
      while (m.find()) {
        if (!served.contains(m.group(1))) {
          missing.add(m.group(1) + " (in " + expr.strip() + ")");
        }
      }
    }
    assertEquals(List.of(), missing, "metrics named in deploy/grafana or deploy/prometheus that /metrics lacks");
  }

  @Test
  @Order(5)
  void theStandardGrpcHealthServiceSaysServing() {
    ManagedChannel channel = RawGrpc.tlsChannel(harness.grpcPort);
    try {
      HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
      assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
    } finally {
      channel.shutdownNow();
    }
  }

  /** Last: it restarts the controller. Issue 19: /ready once said yes while the gRPC port still refused connections. */
  @Test
  @Order(7)
  void readyOnlyWhileTheGrpcPortTakesConnections() throws Exception {
    harness.stopController();
    var starting = java.util.concurrent.CompletableFuture.runAsync(harness::startController);
    int readyAnswers = 0;
    List<String> readyButRefused = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (readyAnswers < 5 && System.nanoTime() < deadline) {
      if (ready()) {
        readyAnswers++;
        try (var socket = new java.net.Socket("127.0.0.1", harness.grpcPort)) {
          assertTrue(socket.isConnected());
        } catch (java.io.IOException refused) {
          readyButRefused.add(refused.toString());
        }
      }
      Thread.sleep(10);
    }
    starting.get(2, TimeUnit.MINUTES);
    assertEquals(5, readyAnswers, "the restarted controller never answered /ready");
    assertEquals(List.of(), readyButRefused, "/ready said yes while the gRPC port refused a connection");
  }

  private static boolean ready() throws InterruptedException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.managementPort + "/ready"))
              .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (java.io.IOException notListening) {
      return false;
    }
  }

  private static String scrape() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + harness.managementPort + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    served.addAll(metricNames(response.body()));
    return response.body();
  }

  /** Every metric name in a scrape: the samples' names and the families' (# TYPE) names. */
  private static Set<String> metricNames(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        names.add(line.split(" ")[2]);
      } else if (!line.startsWith("#") && !line.isBlank()) {
        names.add(line.split("[{ ]")[0]);
      }
    }
    return names;
  }

  /** The value of the first sample whose name and labels start with {@code series}. */
  private static Optional<Double> sample(String scrape, String series) {
    List<Double> all = samples(scrape, series);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
  }

  private static List<Double> samples(String scrape, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + "[,{}]?[^ ]* ([0-9.eE+-]+|NaN|[+-]Inf)$", Pattern.MULTILINE)
        .matcher(scrape);
    List<Double> values = new ArrayList<>();
    while (m.find()) {
      values.add(m.group(1).endsWith("Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1)));
    }
    return values;
  }
}
