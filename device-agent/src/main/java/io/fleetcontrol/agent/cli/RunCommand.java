package io.fleetcontrol.agent.cli;

import io.fleetcontrol.policy.DeviceIdentity;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.gate.GateSocket;
import io.fleetcontrol.agent.localapi.CaptureNotifications;
import io.fleetcontrol.agent.localapi.EmployeeApi;
import io.fleetcontrol.agent.localapi.EmployeeCalls;
import io.fleetcontrol.agent.localapi.EmployeePage;
import io.fleetcontrol.agent.localapi.EmployeeSocket;
import io.fleetcontrol.agent.link.AgentClients;
import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.agent.localapi.LocalApi;
import io.fleetcontrol.agent.localapi.LocalSettings;
import io.fleetcontrol.agent.localapi.PageSettings;
import io.fleetcontrol.agent.localapi.PageSignIn;
import io.fleetcontrol.agent.telemetry.HostTelemetry;
import io.fleetcontrol.agent.telemetry.UploadMeter;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Runs the agent of this laptop until Ctrl-C, or exits 1 when the controller rejects it. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the agent for this device.")
final class RunCommand implements Callable<Integer> {

  private static final Duration REJECTION_CHECK = Duration.ofSeconds(1);

  @Spec CommandSpec spec;

  @Mixin ControllerOptions controllerOptions;

  @Mixin LocalOptions localOptions;

  // Here only: the employee's commands call the employee socket, never this port.
  @Option(names = "--local-port", paramLabel = "PORT",
      description = "Port of the local API for capture tools on 127.0.0.1 (FLEET_AGENT_LOCAL_PORT).")
  Integer localPort;

  @Option(names = "--device-id", description = "Stable device id, 1..128 chars of [A-Za-z0-9._-].")
  String deviceId;

  @Option(names = "--owner", description = "The employee using this laptop.")
  String owner;

  @Option(names = "--jurisdiction", description = "ISO 3166-1 alpha-2 code of where the laptop is.")
  String jurisdiction;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Label for rollout selectors; repeatable.")
  Map<String, String> labels = new TreeMap<>();

  @Override
  public Integer call() {
    Config config = ConfigFactory.load();
    AgentSettings settings = withFlags(AgentSettings.fromConfig(config));
    requireSet(settings.identity().deviceId(), "device id: pass --device-id or set FLEET_DEVICE_ID");
    requireSet(settings.enrollmentToken(), "enrollment token: pass --enrollment-token or set FLEET_ENROLLMENT_TOKEN");

    LocalSettings local = localOptions.applyTo(LocalSettings.fromConfig(config));
    if (localPort != null) {
      local = local.withLocalApiPort(localPort);
    }
    PageSettings pageSettings = PageSettings.fromConfig(config);
    try {
      LocalApi.loopback(local.localApiHost());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }

    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "device-agent", config);
    UploadMeter uploads = new UploadMeter();
    DeviceAgent agent =
        DeviceAgent.start(
            system,
            settings,
            AgentClients.create(system, settings.controllers()),
            HostTelemetry.fromConfig(config.getConfig("fleet.agent"), uploads),
            uploads,
            local.cacheFile(),
            Clock.systemUTC());
    try {
      String token = LocalApi.writeNewToken(local.tokenFile());
      LocalApi.start(system, agent, local.localApiHost(), local.localApiPort(), token)
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      system.log().info("Local API for capture tools and fleet-agent on {}:{} (token in {})",
          local.localApiHost(), local.localApiPort(), local.tokenFile());
      GateSocket socket = GateSocket.start(agent.gate(), local.gateSocket(), local.gateGroup(),
          LocalApi.maxMessageBytes(config));
      CoordinatedShutdown.get(system).addJvmShutdownHook(() -> closeQuietly(socket));
      system.log().info("Gate socket for capture tools at {}", socket.path());
      PageSignIn pageSignIn = new PageSignIn(Clock.systemUTC());
      EmployeeApi employeeApi = new EmployeeApi(agent, pageSignIn);
      EmployeeSocket employee = EmployeeSocket.start(employeeApi, local.employeeSocket(), local.employeeUser(),
          LocalApi.maxMessageBytes(config));
      CoordinatedShutdown.get(system).addJvmShutdownHook(() -> closeQuietly(employee));
      system.log().info("Employee socket at {}, answering {} only", employee.path(), local.employeeUser());
      if (config.getBoolean("fleet.agent.notify.enabled")) {
        Duration every = config.getDuration("fleet.agent.notify.every");
        CaptureNotifications.notifySend().ifPresent(desktop -> system.scheduler().scheduleWithFixedDelay(every, every,
            new CaptureNotifications(agent.gate()::captureState, desktop), system.executionContext()));
      }
      if (pageSettings.enabled()) {
        // The page is a convenience: the gate and the employee's commands work without it, so a
        // port another account took stops the page, not the agent.
        try {
          EmployeePage page = EmployeePage.start(new EmployeeCalls(employeeApi), pageSignIn, pageSettings.port());
          CoordinatedShutdown.get(system).addJvmShutdownHook(() -> closeQuietly(page));
          system.log().info("Employee page at http://{}:{}/ (fleet-agent page signs the employee in)",
              page.address().getHostString(), page.address().getPort());
        } catch (java.io.IOException e) {
          system.log().error("Employee page not served: 127.0.0.1:{}: {}; fleet-agent's commands still work",
              pageSettings.port(), rootMessage(e));
        }
      }
    } catch (Exception e) {
      // Without the local API no capture tool can ask, so nothing is captured: say so and stop.
      spec.commandLine().getErr().println("fleet-agent run: cannot serve the local API on "
          + local.localApiHost() + ":" + local.localApiPort() + ", the gate socket " + local.gateSocket()
          + ", the employee socket " + local.employeeSocket() + " or the employee page on 127.0.0.1:"
          + pageSettings.port() + ": " + rootMessage(e));
      system.terminate();
      return 1;
    }
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeServiceUnbind(),
            "stop-agent",
            () -> {
              agent.stop();
              return CompletableFuture.completedFuture(Done.getInstance());
            });
    AtomicBoolean rejected = new AtomicBoolean();
    system
        .scheduler()
        .scheduleAtFixedRate(
            REJECTION_CHECK,
            REJECTION_CHECK,
            () -> {
              if (agent.status() == LinkStatus.REJECTED && rejected.compareAndSet(false, true)) {
                system.terminate();
              }
            },
            system.executionContext());
    system.getWhenTerminated().toCompletableFuture().join();
    return rejected.get() ? 1 : 0;
  }

  private static void closeQuietly(AutoCloseable socket) {
    try {
      socket.close();
    } catch (Exception e) {
      // Exiting anyway; the next start replaces the stale socket file.
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getMessage();
  }

  private AgentSettings withFlags(AgentSettings fromConfig) {
    DeviceIdentity identity = fromConfig.identity();
    Map<String, String> mergedLabels = new TreeMap<>(identity.labels());
    mergedLabels.putAll(labels);
    return controllerOptions
        .applyTo(fromConfig)
        .withIdentity(
            new DeviceIdentity(
                deviceId != null ? deviceId : identity.deviceId(),
                owner != null ? owner : identity.owner(),
                jurisdiction != null ? jurisdiction : identity.jurisdiction(),
                mergedLabels,
                identity.agentVersion(),
                identity.timeZone()));
  }

  private void requireSet(String value, String what) {
    if (value.isBlank()) {
      throw new ParameterException(spec.commandLine(), "Missing " + what);
    }
  }
}
