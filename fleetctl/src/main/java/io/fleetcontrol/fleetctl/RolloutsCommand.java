package io.fleetcontrol.fleetctl;

import io.fleetcontrol.proto.v1.AbortRolloutRequest;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.GetRolloutRequest;
import io.fleetcontrol.proto.v1.ListRolloutsRequest;
import io.fleetcontrol.proto.v1.ListRolloutsResponse;
import io.fleetcontrol.proto.v1.PauseRolloutRequest;
import io.fleetcontrol.proto.v1.ResumeRolloutRequest;
import io.fleetcontrol.proto.v1.RollbackRolloutRequest;
import io.fleetcontrol.proto.v1.Rollout;
import io.fleetcontrol.proto.v1.RolloutGates;
import io.fleetcontrol.proto.v1.RolloutStatus;
import io.fleetcontrol.proto.v1.RolloutWave;
import io.fleetcontrol.proto.v1.StartRolloutRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fleetctl rollouts ...}: a policy version to a selection of devices in waves, each gated on
 * acks and on the wave's health against the rest; pause, resume, abort, roll back; watch it go.
 */
@Command(
    name = "rollouts",
    description = "Roll a policy version out in waves gated on the fleet's health; watch, pause, resume, abort, roll back.",
    subcommands = {
      RolloutsCommand.Start.class, RolloutsCommand.StatusVerb.class, RolloutsCommand.Watch.class,
      RolloutsCommand.Pause.class, RolloutsCommand.Resume.class, RolloutsCommand.Abort.class,
      RolloutsCommand.Rollback.class, RolloutsCommand.ListVerb.class
    })
final class RolloutsCommand {
  @Mixin HelpOption help;

  private static final Duration WATCH_EVERY = Duration.ofSeconds(2);

  @Command(name = "start", description = "Start rolling POLICY version VERSION out.")
  static final class Start implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(index = "0", paramLabel = "POLICY") String policy;
    @Parameters(index = "1", paramLabel = "VERSION") long version;

    @Option(names = "--all", description = "Every enrolled device.") boolean all;
    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Devices with this label; repeatable.")
    List<String> labels = new ArrayList<>();
    @Option(names = "--device", paramLabel = "ID", description = "This device; repeatable.")
    List<String> devices = new ArrayList<>();

    @Option(names = "--waves", split = ",", paramLabel = "P1,P2,...",
        description = "Cumulative percentages, growing, ending at 100 (default 1,10,50,100).")
    List<Double> waves = new ArrayList<>();
    @Option(names = "--min-ack", paramLabel = "FRACTION", description = "Share of a wave that must ack (default 0.95).")
    double minAck;
    @Option(names = "--ack-deadline", paramLabel = "DURATION", description = "How long a wave may take to ack (default 10m).")
    String ackDeadline;
    @Option(names = "--soak", paramLabel = "DURATION", description = "Watch a wave's health this long (default 15m; 0 for none).")
    String soak;
    @Option(names = "--max-drain-ratio", paramLabel = "X", description = "Battery drain allowed against the rest (default 1.5; 0 off).")
    Double maxDrain;
    @Option(names = "--max-upload-ratio", paramLabel = "X", description = "Uploads allowed against the rest (default 2; 0 off).")
    Double maxUpload;
    @Option(names = "--max-error-ratio", paramLabel = "X", description = "Agent errors allowed against the rest (default 2; 0 off).")
    Double maxErrors;
    @Option(names = "--max-pause-ratio", paramLabel = "X", description = "Pauses allowed against the rest (default 2; 0 off).")
    Double maxPauses;
    @Option(names = "--auto-rollback", description = "Put a failed wave back on the version it had.")
    boolean autoRollback;

    @Override
    public Integer call() {
      Fleetctl fleetctl = Fleetctl.of(spec);
      StartRolloutRequest.Builder request = StartRolloutRequest.newBuilder()
          .setPolicyName(policy).setPolicyVersion(version)
          .setSelector(DeviceSelector.newBuilder().setAll(all).addAllLabels(labels).addAllDeviceIds(devices))
          .addAllWavePercents(waves)
          .setGates(RolloutGates.newBuilder()
              .setMinAckFraction(minAck)
              .setAckDeadlineSeconds(ackDeadline == null ? 0 : seconds(spec, "--ack-deadline", ackDeadline))
              .setSoakSeconds(soak == null ? 900 : seconds(spec, "--soak", soak))
              .setMaxBatteryDrainRatio(maxDrain == null ? 1.5 : maxDrain)
              .setMaxUploadRatio(maxUpload == null ? 2 : maxUpload)
              .setMaxErrorRatio(maxErrors == null ? 2 : maxErrors)
              .setMaxPauseRateRatio(maxPauses == null ? 2 : maxPauses)
              .setAutoRollback(autoRollback));
      Rollout rollout = fleetctl.connection().call(AdminServiceClient::startRollout, request.build()).getRollout();
      print(fleetctl, "started", rollout);
      return ExitCodes.OK;
    }
  }

  @Command(name = "status", description = "Where a rollout stands, wave by wave.")
  static final class StatusVerb implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;
    @Parameters(paramLabel = "ROLLOUT_ID") String id;

    @Override
    public Integer call() {
      Fleetctl fleetctl = Fleetctl.of(spec);
      print(fleetctl, null, get(fleetctl, id));
      return ExitCodes.OK;
    }
  }

  @Command(name = "watch", description = "Follow a rollout until it ends or stops; exit 0 only when it succeeded.")
  static final class Watch implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;
    @Parameters(paramLabel = "ROLLOUT_ID") String id;

    @Override
    public Integer call() throws InterruptedException {
      Fleetctl fleetctl = Fleetctl.of(spec);
      PrintWriter out = fleetctl.out();
      boolean terminal = System.console() != null;
      String lastLine = "";
      while (true) {
        Rollout r = get(fleetctl, id);
        String line = progressLine(r, terminal);
        if (terminal) {
          out.print("\r" + line);
        } else if (!line.equals(lastLine)) {
          out.println(line);
        }
        out.flush();
        lastLine = line;
        if (r.getStatus() != RolloutStatus.ROLLOUT_STATUS_RUNNING) {
          if (terminal) {
            out.println();
          }
          out.println(state(r) + ": " + r.getStatusMessage());
          out.flush();
          return r.getStatus() == RolloutStatus.ROLLOUT_STATUS_SUCCEEDED ? ExitCodes.OK : ExitCodes.ERROR;
        }
        Thread.sleep(WATCH_EVERY.toMillis());
      }
    }
  }

  /** The verbs that steer one rollout: send, then print what it became. */
  abstract static class Steer implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;
    @Parameters(paramLabel = "ROLLOUT_ID") String id;

    abstract String done();

    abstract Rollout send(AdminConnection connection, String rolloutId);

    @Override
    public Integer call() {
      Fleetctl fleetctl = Fleetctl.of(spec);
      print(fleetctl, done(), send(fleetctl.connection(), id));
      return ExitCodes.OK;
    }
  }

  @Command(name = "pause", description = "Pause a running rollout; devices keep what they have.")
  static final class Pause extends Steer {
    String done() {
      return "paused";
    }

    Rollout send(AdminConnection c, String rolloutId) {
      return c.call(AdminServiceClient::pauseRollout, PauseRolloutRequest.newBuilder().setRolloutId(rolloutId).build())
          .getRollout();
    }
  }

  @Command(name = "resume", description = "Resume a paused rollout at the wave it stopped in.")
  static final class Resume extends Steer {
    String done() {
      return "resumed";
    }

    Rollout send(AdminConnection c, String rolloutId) {
      return c.call(AdminServiceClient::resumeRollout, ResumeRolloutRequest.newBuilder().setRolloutId(rolloutId).build())
          .getRollout();
    }
  }

  @Command(name = "abort", description = "Stop a rollout for good; devices keep what they have.")
  static final class Abort extends Steer {
    String done() {
      return "aborted";
    }

    Rollout send(AdminConnection c, String rolloutId) {
      return c.call(AdminServiceClient::abortRollout, AbortRolloutRequest.newBuilder().setRolloutId(rolloutId).build())
          .getRollout();
    }
  }

  @Command(name = "rollback", description = "Put every device the rollout reached back on the version it had.")
  static final class Rollback extends Steer {
    String done() {
      return "rolling back";
    }

    Rollout send(AdminConnection c, String rolloutId) {
      return c.call(AdminServiceClient::rollbackRollout,
          RollbackRolloutRequest.newBuilder().setRolloutId(rolloutId).build()).getRollout();
    }
  }

  @Command(name = "list", description = "Rollouts, oldest first: a policy's history, or every policy's.")
  static final class ListVerb implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;
    @Option(names = "--policy", paramLabel = "NAME", description = "Only this policy's rollouts.") String policy;

    @Override
    public Integer call() {
      Fleetctl fleetctl = Fleetctl.of(spec);
      List<Rollout> all = fleetctl.connection().call(AdminServiceClient::listRollouts,
          ListRolloutsRequest.newBuilder().setPolicyName(policy == null ? "" : policy).build()).getRolloutsList();
      if (fleetctl.options().output == OutputFormat.table) {
        Table table = new Table("ID", "POLICY", "VERSION", "STATUS", "WAVE", "STARTED", "MESSAGE");
        for (Rollout r : all) {
          table.row(r.getRolloutId(), r.getPolicyName(), String.valueOf(r.getPolicyVersion()), state(r),
              (r.getCurrentWave() + 1) + "/" + r.getWavesCount(),
              Views.isoTime(r.hasCreateTime(), r.getCreateTime()), r.getStatusMessage());
        }
        table.print(fleetctl.out(), "");
      } else {
        StructuredOutput.print(fleetctl.out(), fleetctl.options().output,
            ListRolloutsResponse.newBuilder().addAllRollouts(all).build());
      }
      return ExitCodes.OK;
    }
  }

  // --- shared ---

  private static Rollout get(Fleetctl fleetctl, String id) {
    return fleetctl.connection().call(AdminServiceClient::getRollout,
        GetRolloutRequest.newBuilder().setRolloutId(id).build()).getRollout();
  }

  static long seconds(CommandSpec spec, String option, String text) {
    if (text.equals("0")) {
      return 0;
    }
    try {
      return Durations.parse(text).toSeconds();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), option + ": '" + text + "' is not a duration like 90s, 10m or 1h");
    }
  }

  static String state(Rollout r) {
    return r.getStatus().name().substring("ROLLOUT_STATUS_".length()).toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  /** "wave 2/4 (10 %) [#######.............] 43/90 acked, waiting for acks". */
  static String progressLine(Rollout r, boolean bar) {
    if (r.getWavesCount() == 0) {
      return state(r);
    }
    RolloutWave wave = r.getWaves(Math.min(r.getCurrentWave(), r.getWavesCount() - 1));
    String counts = wave.getDeviceCount() > 0 ? wave.getAckedCount() + "/" + wave.getDeviceCount() + " acked" : "starting";
    String prefix = "wave " + (r.getCurrentWave() + 1) + "/" + r.getWavesCount() + " (" + percent(wave.getPercent()) + " %)";
    String phase = wave.getGateMessage().isEmpty() ? "" : ", " + wave.getGateMessage();
    if (!bar) {
      return prefix + " " + counts + phase;
    }
    int width = 30;
    int filled = wave.getDeviceCount() == 0 ? 0 : (int) (width * wave.getAckedCount() / wave.getDeviceCount());
    return prefix + " [" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + counts + phase;
  }

  private static String percent(double p) {
    return p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p);
  }

  static void print(Fleetctl fleetctl, String verb, Rollout r) {
    OutputFormat format = fleetctl.options().output;
    if (format != OutputFormat.table) {
      StructuredOutput.print(fleetctl.out(), format, r);
      return;
    }
    PrintWriter out = fleetctl.out();
    out.printf("%s%s: policy %s v%d, %s; %s%n", verb == null ? "" : verb + " ", r.getRolloutId(), r.getPolicyName(),
        r.getPolicyVersion(), state(r), r.getStatusMessage());
    for (int i = 0; i < r.getWavesCount(); i++) {
      RolloutWave w = r.getWaves(i);
      out.printf("  wave %d  %5s %%  %-12s %s%n", i + 1, percent(w.getPercent()), w.getState(),
          (w.getDeviceCount() > 0 ? w.getAckedCount() + "/" + w.getDeviceCount() + " acked  " : "") + w.getGateMessage());
    }
    out.flush();
  }
}
