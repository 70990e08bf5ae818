package io.fleetcontrol.it;

import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.GetRolloutRequest;
import io.fleetcontrol.proto.v1.PolicyVersionCount;
import io.fleetcontrol.proto.v1.RolloutGates;
import io.fleetcontrol.proto.v1.RolloutWave;
import io.fleetcontrol.proto.v1.StartRolloutRequest;
import io.fleetcontrol.proto.v1.TargetRule;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Issue 16's figures on one node, each part its own process: Cassandra (deploy/cassandra.sh, on
 * ports of its own), ONE controller JVM ({@code io.fleetcontrol.controller.Main}, dev profile, TLS
 * with deploy/tls.sh's certificates) and the project's simulator ({@code fleet-agent simulate}) with
 * ONE connection per agent, as laptops connect, heartbeating every 10 s (the default policy's
 * interval). It first samples the controller's and Cassandra's CPU with no agent for 30 s (the fixed
 * cost, subtracted in the "above_idle" figures), then waits until N agents are connected (the enrollment and connect rate), lets the fleet
 * settle, samples each process's CPU from /proc/PID/stat for 60 s, then weighs the controller's live
 * heap after a full GC (jcmd) and prints one JSON line on stdout. Heartbeats are not counted at the
 * controller (it has no counter): an agent heartbeats once per interval while its stream is up and
 * the controller closes a stream silent for 3 intervals, so heartbeats/s = connected agents / 10 s
 * (the connected count is the simulator's, min over the window, printed beside it).
 *
 * <p>The read side is timed against the fleet twice ({@link CountLag}): the summary's online count
 * against the simulator's connected count through the ramp, and, last, a one-wave rollout of a new
 * default policy version with the gates off: how fast the agents apply it, and how far GetRollout's
 * acks and the summary's count of the version trail them.
 *
 * <p>Not a test: run it by hand (docs/benchmarks.md). Usage: {@code ScaleBenchmark N [--jfr]}.
 * {@code --jfr} also records a profile of the controller (JFR, settings=profile) for another 60 s
 * after the CPU window, so the recording does not weigh on the figures; it, the class histogram and
 * the logs are left under integration-tests/target/scale-run. System properties: scale.sample-seconds
 * (60), scale.controller-heap (4g), scale.simulator-heap (6g), scale.start-rate (1000 agents started
 * per second), scale.cql-port (19342), scale.storage-port (19300), scale.connect-timeout-minutes (20),
 * scale.controller-jvm-flags (the image's collector flags; "" for the JVM's defaults), scale.heap-dump
 * (false: true leaves the controller's heap, as weighed, in heap-N.hprof).
 */
public final class ScaleBenchmark {

  /** The controller image's collector flags (its Jib jvmFlags; DeployManifestsTest holds them equal). */
  static final String IMAGE_GC_FLAGS = "-XX:+UseG1GC -XX:+UseStringDeduplication";
  private static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
  private static final Duration SETTLE = Duration.ofSeconds(20);
  /** No new connected agent for this long during the ramp: measure with those that made it. */
  private static final Duration STALL = Duration.ofSeconds(90);
  private static final Pattern STATUS = Pattern.compile("connected (\\d+)/(\\d+)");
  private static final Pattern ON_VERSION = Pattern.compile("v(\\d+): (\\d+)");
  private static final String BEARER = "Bearer " + FleetHarness.ADMIN_TOKEN;

  private final int count;
  private final boolean jfr;
  private final int sampleSeconds = Integer.getInteger("scale.sample-seconds", 60);
  private final int idleSeconds = Integer.getInteger("scale.idle-seconds", 30);
  private final int cqlPort = Integer.getInteger("scale.cql-port", 19342);
  private final int storagePort = Integer.getInteger("scale.storage-port", 19300);
  private final Path repo = LocalCassandra.findRepoRoot();
  private final Path runDir = repo.resolve("integration-tests/target/scale-run");
  private final Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
  private final Path jcmdBin = Path.of(System.getProperty("java.home"), "bin", "jcmd");
  private final int grpcPort = FleetHarness.freePort();
  private final int managementPort = FleetHarness.freePort();
  private final int remotePort = FleetHarness.freePort();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final long clockTicks = clockTicks();

  private Process controller;
  private Process simulator;
  private ActorSystem<Void> clientSystem;
  private boolean cassandraStarted;
  private volatile int connected;
  private volatile long simulatorStartedNanos;
  /** Connected agents (the simulator's) against the summary's online count, during the ramp. */
  private final CountLag connectLag = new CountLag();
  /** While a rollout runs: its version, and agents on it against GetRollout's acks and the summary. */
  private volatile long rolloutVersion;
  private volatile long agentsOnRollout;
  private final CountLag rolloutAckLag = new CountLag();
  private final CountLag rolloutSummaryLag = new CountLag();

  private ScaleBenchmark(int count, boolean jfr) {
    this.count = count;
    this.jfr = jfr;
  }

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    boolean jfr = List.of(args).contains("--jfr");
    ScaleBenchmark benchmark = new ScaleBenchmark(count, jfr);
    Thread cleanup = new Thread(benchmark::close, "scale-benchmark-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    int exit = 0;
    try {
      System.out.println(benchmark.run());
    } catch (Exception e) {
      e.printStackTrace();
      exit = 1;
    } finally {
      benchmark.close();
    }
    System.exit(exit);
  }

  private String run() throws Exception {
    Files.createDirectories(runDir);
    log("run folder " + runDir);
    startCassandra();
    Path tls = TestTls.dir();
    startController(tls);
    long controllerPid = controller.pid();
    checkOpenFiles("controller", controllerPid);
    long idleHeapKb = liveHeapKb(controllerPid);
    long idleObjectsKb = liveObjectsKb(jcmd(controllerPid, "GC.class_histogram"));
    log("controller pid " + controllerPid + ", live heap with no agents " + idleHeapKb / 1024 + " MB");
    // What the node and Cassandra burn with no agent at all (timers, the read side's refresh, the
    // projections' polling), so the heartbeat's own cost can be told from it at a small N.
    long cassandraPid = Long.parseLong(Files.readString(runDir.resolve("cassandra/cassandra.pid")).trim());
    long[] idleBefore = {cpuTicks(controllerPid), cpuTicks(cassandraPid)};
    long idleStart = System.nanoTime();
    Thread.sleep(TimeUnit.SECONDS.toMillis(idleSeconds));
    double idleWall = (System.nanoTime() - idleStart) / 1e9;
    double controllerIdleCores = (cpuTicks(controllerPid) - idleBefore[0]) / (double) clockTicks / idleWall;
    double cassandraIdleCores = (cpuTicks(cassandraPid) - idleBefore[1]) / (double) clockTicks / idleWall;
    log(String.format(Locale.ROOT, "idle for %.0f s: controller %.3f cores, cassandra %.3f", idleWall,
        controllerIdleCores, cassandraIdleCores));

    clientSystem = ActorSystem.create(Behaviors.empty(), "scale-benchmark",
        com.typesafe.config.ConfigFactory.parseMap(Map.of("pekko.actor.provider", "local"))
            .withFallback(com.typesafe.config.ConfigFactory.load()));
    AdminServiceClient admin = AdminServiceClient.create(
        TestTls.client(grpcPort, clientSystem).withConnectionAttempts(-1), clientSystem);
    String token = FleetHarness.createEnrollmentToken(admin, Math.max(100_000, count * 2));

    CassandraTableCounts.Counts beforeRamp = CassandraTableCounts.read(cqlPort);
    startSimulator(tls, token);
    checkOpenFiles("simulator", simulator.pid());
    // The summary asked once a second through the ramp and the settling, not in the CPU window.
    Thread summaryPoller = poll(Duration.ofSeconds(1), () -> {
      long online = summary(admin).getOnline();
      // Stamped when the answer is in, as every read-side sample here.
      connectLag.shown(System.nanoTime(), online);
    });
    long connectNanos = awaitConnected();
    double connectSeconds = connectNanos / 1e9;
    int connectedAfterRamp = connected;
    log(connectedAfterRamp + " of " + count + " connected " + fmt(connectSeconds) + " s after the simulator started");

    Thread.sleep(SETTLE.toMillis());
    summaryPoller.interrupt();
    summaryPoller.join();
    CountLag.Summary connectReadSide = connectLag.summary(connectedAfterRamp);
    log("read side during the ramp: " + connectReadSide);
    // What the ramp cost Cassandra until the end of the settling (a read side still behind then is under-counted).
    CassandraTableCounts.Counts ramp = CassandraTableCounts.read(cqlPort).since(beforeRamp);
    Path rampTables = runDir.resolve("cassandra-tables-ramp-" + count + ".txt");
    Files.writeString(rampTables, ramp.perDevice(Math.max(1, connectedAfterRamp)));
    long[] rampTotal = ramp.total("fleet");
    log("Cassandra per table over the ramp: " + rampTables);
    long[] before = {cpuTicks(controllerPid), cpuTicks(cassandraPid), cpuTicks(simulator.pid())};
    Map<String, Long> threadsBefore = threadTicks(controllerPid);
    long wallStart = System.nanoTime();
    int minConnected = connected;
    int maxConnected = connected;
    while (System.nanoTime() - wallStart < TimeUnit.SECONDS.toNanos(sampleSeconds)) {
      Thread.sleep(1000);
      minConnected = Math.min(minConnected, connected);
      maxConnected = Math.max(maxConnected, connected);
    }
    long[] after = {cpuTicks(controllerPid), cpuTicks(cassandraPid), cpuTicks(simulator.pid())};
    double wall = (System.nanoTime() - wallStart) / 1e9;
    Path threads = runDir.resolve("controller-threads-" + count + ".txt");
    Files.writeString(threads, threadShares(threadsBefore, threadTicks(controllerPid), wall));
    log("controller CPU by thread group over the window (GC, JIT, dispatchers, driver): " + threads);
    double heartbeatsPerSecond = minConnected / (double) HEARTBEAT_INTERVAL.toSeconds();
    double heartbeats = heartbeatsPerSecond * wall;
    double[] cpuSeconds = new double[3];
    for (int i = 0; i < 3; i++) {
      cpuSeconds[i] = (after[i] - before[i]) / (double) clockTicks;
    }
    log(String.format(Locale.ROOT, "CPU over %.0f s: controller %.2f cores, cassandra %.2f, simulator %.2f; connected %d..%d",
        wall, cpuSeconds[0] / wall, cpuSeconds[1] / wall, cpuSeconds[2] / wall, minConnected, maxConnected));

    long online = summary(admin).getOnline();

    if (jfr) {
      Path recording = runDir.resolve("controller-" + count + ".jfr");
      Files.deleteIfExists(recording);
      jcmd(controllerPid, "JFR.start", "name=scale", "settings=profile", "duration=" + sampleSeconds + "s",
          "filename=" + recording);
      Thread.sleep(TimeUnit.SECONDS.toMillis(sampleSeconds + 5L));
      log("JFR profile of the steady phase: " + recording);
    }

    long liveHeapKb = liveHeapKb(controllerPid);
    Path histogram = runDir.resolve("histogram-" + count + ".txt");
    String histogramText = jcmd(controllerPid, "GC.class_histogram");
    Files.writeString(histogram, histogramText);
    long liveObjectsKb = liveObjectsKb(histogramText);
    log("class histogram: " + histogram);
    if (Boolean.getBoolean("scale.heap-dump")) {
      Path dump = runDir.resolve("heap-" + count + ".hprof");
      Files.deleteIfExists(dump);
      jcmd(controllerPid, "GC.heap_dump", dump.toString());
      log("heap dump: " + dump);
    }
    int held = connected;
    String rollout = rollout(admin, held);

    return String.format(Locale.ROOT,
        "{\"n\":%d,\"connected\":%d,\"connect_seconds\":%.1f,\"enroll_per_s\":%.1f,"
            + "\"heartbeats_per_s\":%.1f,\"heartbeats_counted_as\":\"min connected over the window / 10 s\","
            + "\"sample_seconds\":%.1f,"
            + "\"controller_cores\":%.3f,\"cassandra_cores\":%.3f,\"simulator_cores\":%.3f,"
            + "\"controller_cpu_us_per_heartbeat\":%.1f,\"cassandra_cpu_us_per_heartbeat\":%.1f,"
            + "\"simulator_cpu_us_per_heartbeat\":%.1f,"
            + "\"controller_idle_cores\":%.3f,\"cassandra_idle_cores\":%.3f,"
            + "\"controller_cpu_us_per_heartbeat_above_idle\":%.1f,\"cassandra_cpu_us_per_heartbeat_above_idle\":%.1f,"
            + "\"controller_idle_heap_mb\":%.1f,\"controller_live_heap_mb\":%.1f,\"heap_kb_per_device\":%.1f,"
            + "\"heap_kb_per_device_above_idle\":%.1f,"
            + "\"controller_idle_objects_mb\":%.1f,\"controller_live_objects_mb\":%.1f,"
            + "\"objects_kb_per_device_above_idle\":%.1f,\"summary_online\":%d,%s,"
            + "\"ramp_cassandra_writes_per_device\":%.1f,\"ramp_cassandra_reads_per_device\":%.1f,%s,"
            + "\"tls\":true,\"agents_per_connection\":1}",
        count, held, connectSeconds, connectedAfterRamp / connectSeconds,
        heartbeatsPerSecond, wall,
        cpuSeconds[0] / wall, cpuSeconds[1] / wall, cpuSeconds[2] / wall,
        cpuSeconds[0] * 1e6 / heartbeats, cpuSeconds[1] * 1e6 / heartbeats, cpuSeconds[2] * 1e6 / heartbeats,
        controllerIdleCores, cassandraIdleCores,
        (cpuSeconds[0] - controllerIdleCores * wall) * 1e6 / heartbeats,
        (cpuSeconds[1] - cassandraIdleCores * wall) * 1e6 / heartbeats,
        idleHeapKb / 1024.0, liveHeapKb / 1024.0, liveHeapKb / (double) Math.max(1, held),
        (liveHeapKb - idleHeapKb) / (double) Math.max(1, held),
        idleObjectsKb / 1024.0, liveObjectsKb / 1024.0, (liveObjectsKb - idleObjectsKb) / (double) Math.max(1, held),
        online, connectReadSide.json("connect_summary"),
        rampTotal[0] / (double) Math.max(1, connectedAfterRamp), rampTotal[1] / (double) Math.max(1, connectedAfterRamp),
        rollout);
  }

  /**
   * A new version of the default policy rolled out to every agent in one wave with the gates off
   * (acks only): how fast the agents apply it, and how far GetRollout's acks and the summary's count
   * of the version trail the agents (each asked every 500 ms, the agents' counts every second).
   * Returns the figures as JSON fields.
   */
  private String rollout(AdminServiceClient admin, int agents) throws Exception {
    var current = admin.getPolicy().addHeader("authorization", BEARER)
        .invoke(GetPolicyRequest.newBuilder().setName("default").build()).toCompletableFuture().get(30, TimeUnit.SECONDS)
        .getPolicy();
    long version = admin.updatePolicy().addHeader("authorization", BEARER)
        .invoke(UpdatePolicyRequest.newBuilder().setPolicy(current.toBuilder()
            .addAllowlist(TargetRule.newBuilder().setSitePattern("scale-benchmark.example.com"))).build())
        .toCompletableFuture().get(30, TimeUnit.SECONDS).getPolicy().getVersion();
    rolloutVersion = version;
    CassandraTableCounts.Counts beforeRollout = CassandraTableCounts.read(cqlPort);
    long started = System.nanoTime();
    String id = admin.startRollout().addHeader("authorization", BEARER)
        .invoke(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(version)
            .setSelector(DeviceSelector.newBuilder().setAll(true)).addWavePercents(100)
            .setGates(RolloutGates.newBuilder().setMinAckFraction(1.0).setAckDeadlineSeconds(600)).build())
        .toCompletableFuture().get(30, TimeUnit.SECONDS).getRollout().getRolloutId();
    log("rollout " + id + " of default v" + version + " to " + agents + " agents");
    long appliedAt = 0;
    long ackedAt = 0;
    long summaryAt = 0;
    long deadline = started + TimeUnit.MINUTES.toNanos(10);
    while ((appliedAt == 0 || ackedAt == 0 || summaryAt == 0) && System.nanoTime() < deadline) {
      RolloutWave wave = admin.getRollout().addHeader("authorization", BEARER)
          .invoke(GetRolloutRequest.newBuilder().setRolloutId(id).build()).toCompletableFuture().get(30, TimeUnit.SECONDS)
          .getRollout().getWaves(0);
      long acked = wave.getAckedCount();
      rolloutAckLag.shown(System.nanoTime(), acked);
      long onIt = summary(admin).getByAppliedPolicyList().stream()
          .filter(c -> c.getPolicy().getPolicyName().equals("default") && c.getPolicy().getVersion() == version)
          .mapToLong(PolicyVersionCount::getDevices).sum();
      long now = System.nanoTime();
      rolloutSummaryLag.shown(now, onIt);
      appliedAt = appliedAt == 0 && agentsOnRollout >= agents ? now : appliedAt;
      ackedAt = ackedAt == 0 && acked >= agents ? now : ackedAt;
      summaryAt = summaryAt == 0 && onIt >= agents ? now : summaryAt;
      Thread.sleep(500);
    }
    CountLag.Summary acks = rolloutAckLag.summary(agents);
    CountLag.Summary shown = rolloutSummaryLag.summary(agents);
    log("rollout: agents " + secondsSince(started, appliedAt) + " s, GetRollout " + secondsSince(started, ackedAt)
        + " s, summary " + secondsSince(started, summaryAt) + " s; acks " + acks + "; summary " + shown);
    double appliedSeconds = secondsSince(started, appliedAt);
    CassandraTableCounts.Counts rollout = CassandraTableCounts.read(cqlPort).since(beforeRollout);
    Path rolloutTables = runDir.resolve("cassandra-tables-rollout-" + count + ".txt");
    Files.writeString(rolloutTables, rollout.perDevice(Math.max(1, agents)));
    log("Cassandra per table over the rollout: " + rolloutTables);
    long[] rolloutTotal = rollout.total("fleet");
    return String.format(Locale.ROOT,
        "\"rollout_cassandra_writes_per_device\":%.1f,\"rollout_cassandra_reads_per_device\":%.1f,"
            + "\"rollout_devices\":%d,\"rollout_all_applied_s\":%s,\"rollout_applied_per_s\":%s,"
            + "\"rollout_all_acked_in_getrollout_s\":%s,\"rollout_all_in_summary_s\":%s,%s,%s",
        rolloutTotal[0] / (double) Math.max(1, agents), rolloutTotal[1] / (double) Math.max(1, agents),
        agents, CountLag.number(appliedSeconds, 1), CountLag.number(agents / appliedSeconds, 0),
        CountLag.number(secondsSince(started, ackedAt), 1), CountLag.number(secondsSince(started, summaryAt), 1),
        acks.json("rollout_getrollout"), shown.json("rollout_summary"));
  }

  private static double secondsSince(long started, long at) {
    return at == 0 ? Double.NaN : (at - started) / 1e9;
  }

  private static GetFleetSummaryResponse summary(AdminServiceClient admin) {
    try {
      return admin.getFleetSummary().addHeader("authorization", BEARER)
          .invoke(GetFleetSummaryRequest.getDefaultInstance()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException("GetFleetSummary failed: " + e, e);
    }
  }

  /** Runs {@code task} every {@code interval} on a thread of its own until interrupted; a failed call is logged and skipped. */
  private static Thread poll(Duration interval, Runnable task) {
    Thread thread = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          task.run();
          Thread.sleep(interval.toMillis());
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          if (Thread.currentThread().isInterrupted()) {
            return;
          }
          log("poll failed: " + e.getMessage());
        }
      }
    }, "scale-benchmark-poll");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Agents on {@code version} in a simulator status line ("..., policy v3: 990, v2: 8, none: 2"); 0 for version 0. */
  static long onVersion(String statusLine, long version) {
    if (version == 0) {
      return 0;
    }
    Matcher m = ON_VERSION.matcher(statusLine);
    while (m.find()) {
      if (Long.parseLong(m.group(1)) == version) {
        return Long.parseLong(m.group(2));
      }
    }
    return 0;
  }

  private void startCassandra() {
    cassandra("wipe");
    cassandraStarted = true;
    cassandra("start");
  }

  private void cassandra(String verb) {
    // Its output goes to stderr with ours: stdout is the JSON line alone.
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", "exec \"$0\" \"$1\" >&2",
        repo.resolve("deploy/cassandra.sh").toString(), verb).redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().put("FLEET_RUN_DIR", runDir.toString());
    builder.environment().put("CASSANDRA_CQL_PORT", Integer.toString(cqlPort));
    builder.environment().put("CASSANDRA_STORAGE_PORT", Integer.toString(storagePort));
    try {
      Process process = builder.start();
      if (!process.waitFor(300, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException("deploy/cassandra.sh " + verb + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run deploy/cassandra.sh " + verb, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void startController(Path tls) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        javaBin.toString(),
        "-Xmx" + System.getProperty("scale.controller-heap", "4g")));
    String flags = System.getProperty("scale.controller-jvm-flags", IMAGE_GC_FLAGS);
    command.addAll(Arrays.stream(flags.split("\\s+")).filter(f -> !f.isEmpty()).toList());
    command.addAll(List.of(
        "-cp", System.getProperty("java.class.path"),
        // The test classpath holds the agent's logback.xml too; log as a deployed controller does.
        "-Dlogback.configurationFile=" + repo.resolve("fleet-controller/src/main/resources/logback.xml"),
        "-Dconfig.resource=dev.conf",
        "-Dfleet.grpc.port=" + grpcPort,
        "-Dpekko.remote.artery.canonical.port=" + remotePort,
        "-Dpekko.management.http.port=" + managementPort,
        "-Dfleet.dashboard.port=0",
        "-Ddatastax-java-driver.basic.contact-points.0=127.0.0.1:" + cqlPort,
        "-Dfleet.grpc.tls.certificate-chain-file=" + tls.resolve("controller.crt"),
        "-Dfleet.grpc.tls.private-key-file=" + tls.resolve("controller.key")));
    command.add("io.fleetcontrol.controller.Main");
    log("starting the controller (log: " + runDir.resolve("controller.log") + ")");
    controller = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(runDir.resolve("controller.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!(ready() && portOpen(grpcPort))) {
      if (!controller.isAlive()) {
        throw new IllegalStateException("the controller exited with " + controller.exitValue() + "; see controller.log");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the controller was not ready within 3 minutes; see controller.log");
      }
      Thread.sleep(500);
    }
  }

  private void startSimulator(Path tls, String token) throws IOException {
    List<String> command = List.of(
        javaBin.toString(),
        "-Xmx" + System.getProperty("scale.simulator-heap", "6g"),
        "-cp", System.getProperty("java.class.path"),
        "-Dlogback.configurationFile=" + repo.resolve("device-agent/src/main/resources/logback.xml"),
        // One HTTP/2 connection per agent, as laptops connect.
        "-Dfleet.agent.simulator.agents-per-client=1",
        "-Dfleet.agent.simulator.max-ramp=10m",
        "-Dfleet.agent.state-dir=" + runDir.resolve("simulator-state"),
        "io.fleetcontrol.agent.cli.AgentMain", "simulate",
        "--count", Integer.toString(count),
        "--start-rate", System.getProperty("scale.start-rate", "1000"),
        "--flaky-fraction", "0",
        // The read side's lag is timed against these lines.
        "--status-every", "1s",
        "--server", "127.0.0.1:" + grpcPort,
        "--ca-file", tls.resolve("ca.crt").toString(),
        "--enrollment-token", token);
    log("starting " + count + " simulated agents, one connection each (log: " + runDir.resolve("simulator.log") + ")");
    simulator = new ProcessBuilder(command).redirectErrorStream(true).start();
    PrintWriter out = new PrintWriter(Files.newBufferedWriter(runDir.resolve("simulator.log")), true);
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(
          new InputStreamReader(simulator.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          out.println(line);
          if (line.startsWith("Starting ")) {
            simulatorStartedNanos = System.nanoTime();
          }
          Matcher m = STATUS.matcher(line);
          if (m.find()) {
            long now = System.nanoTime();
            connected = Integer.parseInt(m.group(1));
            connectLag.fleet(now, connected);
            long onRollout = onVersion(line, rolloutVersion);
            rolloutAckLag.fleet(now, onRollout);
            rolloutSummaryLag.fleet(now, onRollout);
            agentsOnRollout = onRollout;
          }
        }
      } catch (IOException e) {
        // the simulator went; close() reports nothing more
      } finally {
        out.close();
      }
    }, "simulator-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Waits until all are connected, or none more for {@link #STALL}; the nanos since the ramp began. */
  private long awaitConnected() throws InterruptedException {
    long deadline = System.nanoTime()
        + TimeUnit.MINUTES.toNanos(Long.getLong("scale.connect-timeout-minutes", 20));
    int last = -1;
    long lastProgress = System.nanoTime();
    while (connected < count) {
      if (!simulator.isAlive()) {
        throw new IllegalStateException("the simulator exited with " + simulator.exitValue() + "; see simulator.log");
      }
      if (!controller.isAlive()) {
        throw new IllegalStateException("the controller exited with " + controller.exitValue() + "; see controller.log");
      }
      if (connected != last) {
        if (last >= 0) {
          log("connected " + connected + "/" + count);
        }
        last = connected;
        lastProgress = System.nanoTime();
      }
      long now = System.nanoTime();
      if (now - lastProgress > STALL.toNanos() || now > deadline) {
        log("stalled at " + connected + " of " + count + " connected; measuring those");
        return lastProgress - simulatorStartedNanos;
      }
      Thread.sleep(200);
    }
    return System.nanoTime() - simulatorStartedNanos;
  }

  private void checkOpenFiles(String who, long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
      if (line.startsWith("Max open files")) {
        String[] parts = line.trim().split("\\s+");
        long soft = Long.parseLong(parts[3]);
        log(who + " open-files limit " + soft + " (the JVM raises its soft limit to the hard one)");
        if (soft < count + 1_000L) {
          throw new IllegalStateException(who + " may open " + soft + " files, fewer than " + count
              + " connections + 1,000: raise the hard limit (ulimit -Hn)");
        }
      }
    }
  }

  /** The live heap after a full GC, KiB (jcmd GC.run, then the used figure of GC.heap_info). */
  private long liveHeapKb(long pid) {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("no heap figure in jcmd GC.heap_info:\n" + info);
    }
    return Long.parseLong(m.group(1));
  }

  /**
   * The bytes of the objects a class histogram counted, KiB: a full GC's survivors exactly, where the
   * heap's "used" figure also counts the partly filled regions G1 leaves (its run-to-run spread at
   * 3,000 agents was several MB, more than a change of 1 KB per device).
   */
  private static long liveObjectsKb(String histogram) {
    Matcher m = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(histogram);
    if (!m.find()) {
      throw new IllegalStateException("no Total line in jcmd GC.class_histogram");
    }
    return Long.parseLong(m.group(1)) / 1024;
  }

  private String jcmd(long pid, String... command) {
    List<String> all = new ArrayList<>(List.of(jcmdBin.toString(), Long.toString(pid)));
    all.addAll(List.of(command));
    try {
      Process process = new ProcessBuilder(all).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", all) + " failed:\n" + output);
      }
      return output;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", all), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** CPU ticks of each thread of a process, summed by name with the digits taken out ("GC Thread#"). */
  private static Map<String, Long> threadTicks(long pid) throws IOException {
    Map<String, Long> byName = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks.toList()) {
        try {
          String name = Files.readString(task.resolve("comm")).trim().replaceAll("[0-9]+", "#");
          String stat = Files.readString(task.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          byName.merge(name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
        } catch (IOException gone) {
          // the thread ended between the listing and the read
        }
      }
    }
    return byName;
  }

  /** Cores used per thread group between two snapshots, largest first (threads that ended are missed). */
  private String threadShares(Map<String, Long> before, Map<String, Long> after, double wallSeconds) {
    StringBuilder out = new StringBuilder();
    after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> out.append(String.format(Locale.ROOT, "%-18s %6.3f cores%n",
            e.getKey(), e.getValue() / (double) clockTicks / wallSeconds)));
    return out.toString();
  }

  private static long clockTicks() {
    try {
      Process process = new ProcessBuilder("getconf", "CLK_TCK").start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      process.waitFor(10, TimeUnit.SECONDS);
      return Long.parseLong(out);
    } catch (Exception e) {
      return 100;
    }
  }

  private boolean ready() {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/ready"))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean portOpen(int port) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Stops what this run started: the simulator, the controller (SIGTERM, then SIGKILL), Cassandra. Idempotent. */
  private synchronized void close() {
    stop(simulator, "simulator");
    simulator = null;
    stop(controller, "controller");
    controller = null;
    if (clientSystem != null) {
      clientSystem.terminate();
      clientSystem = null;
    }
    if (cassandraStarted) {
      cassandraStarted = false;
      try {
        cassandra("stop");
      } catch (RuntimeException e) {
        System.err.println("scale: could not stop Cassandra: " + e.getMessage());
      }
    }
  }

  private static void stop(Process process, String name) {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        System.err.println("scale: " + name + " still alive 30 s after SIGTERM; SIGKILL");
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static String fmt(double value) {
    return String.format(Locale.ROOT, "%.1f", value);
  }

  private static void log(String line) {
    System.err.println("scale: " + line);
  }
}
