package io.fleetcontrol.agent.cli;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.agent.localapi.Desktop;
import io.fleetcontrol.agent.localapi.EmployeeClient;
import io.fleetcontrol.agent.localapi.LocalSettings;
import io.fleetcontrol.proto.agent.v1.AcknowledgeNoticeRequest;
import io.fleetcontrol.proto.agent.v1.AcknowledgeNoticeResponse;
import io.fleetcontrol.proto.agent.v1.EndPauseRequest;
import io.fleetcontrol.proto.agent.v1.EndPauseResponse;
import io.fleetcontrol.proto.agent.v1.GetPolicyRequest;
import io.fleetcontrol.proto.agent.v1.GetStatusRequest;
import io.fleetcontrol.proto.agent.v1.GetStatusResponse;
import io.fleetcontrol.proto.agent.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.agent.v1.ListExemptionsResponse;
import io.fleetcontrol.proto.agent.v1.RequestExemptionRequest;
import io.fleetcontrol.proto.agent.v1.RequestExemptionResponse;
import io.fleetcontrol.proto.agent.v1.StartPauseRequest;
import io.fleetcontrol.proto.agent.v1.StartPauseResponse;
import io.fleetcontrol.wire.WireTime;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The employee's commands: see and control capture on this laptop through the running agent.
 * Exit 0 when done, 1 when the agent refused or cannot be reached (one line on stderr), 2 on bad usage.
 */
final class EmployeeCommands {

  private EmployeeCommands() {}

  /** Shared by every employee command: find the agent, call it, print or fail in one line. */
  abstract static class LocalCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin LocalOptions localOptions;

    @Override
    public final Integer call() {
      LocalSettings settings = localOptions.applyTo(LocalSettings.fromConfig(ConfigFactory.load()));
      PrintWriter out = spec.commandLine().getOut();
      try (EmployeeClient client = EmployeeClient.connect(settings.employeeSocketToCall())) {
        print(out, run(client, Instant.now()));
        return 0;
      } catch (EmployeeClient.Refused e) {
        spec.commandLine().getErr().println("fleet-agent " + spec.name() + ": " + e.getMessage());
        spec.commandLine().getErr().flush();
        return 1;
      }
    }

    abstract List<String> run(EmployeeClient client, Instant now) throws EmployeeClient.Refused;

    private static void print(PrintWriter out, List<String> lines) {
      lines.forEach(out::println);
      out.flush();
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Whether capture may run on this laptop now, and why.")
  static final class Status extends LocalCommand {
    @Override
    List<String> run(EmployeeClient client, Instant now) throws EmployeeClient.Refused {
      GetStatusResponse status = client.getStatus();
      return EmployeeView.status(status, now);
    }
  }

  @Command(name = "policy", mixinStandardHelpOptions = true,
      description = "The policy in force here in plain words, with what is used today and this month.")
  static final class Policy extends LocalCommand {
    @Override
    List<String> run(EmployeeClient client, Instant now) throws EmployeeClient.Refused {
      return EmployeeView.policy(client.getPolicy(), now);
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = "Pause capture now, offline too; the controller is told when it can be.")
  static final class Pause extends LocalCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "DURATION", defaultValue = "30m",
        description = "How long, e.g. 15m, 1h30m (default ${DEFAULT-VALUE}); at most what the policy allows.")
    String duration;

    @Override
    List<String> run(EmployeeClient client, Instant now) throws EmployeeClient.Refused {
      Duration length = parseDuration(spec, duration);
      StartPauseResponse paused = client.startPause(StartPauseRequest.newBuilder().setDuration(WireTime.toProto(length)).build());
      String until = paused.hasPause()
          ? "Paused until " + EmployeeView.when(WireTime.fromProto(paused.getPause().getEndTime()), now,
              ZoneId.systemDefault()) + "."
          : "Pause asked.";
      return List.of(until + " (" + paused.getMessage() + ")");
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "End your pause now.")
  static final class Resume extends LocalCommand {
    @Override
    List<String> run(EmployeeClient client, Instant now) throws EmployeeClient.Refused {
      EndPauseResponse resumed = client.endPause();
      return List.of("Resumed. (" + resumed.getMessage() + ")");
    }
  }

  @Command(name = "notice", mixinStandardHelpOptions = true,
      description = "Show the notice the policy asks you to read; --accept acknowledges it.")
  static final class Notice extends LocalCommand {
    @Option(names = "--accept", description = "I have read the notice and accept it.")
    boolean accept;

    @Override
    List<String> run(EmployeeClient client, Instant now) throws EmployeeClient.Refused {
      GetStatusResponse status = client.getStatus();
      if (status.getPendingNotice().isEmpty()) {
        return List.of("There is no notice waiting for you.");
      }
      if (!accept) {
        return List.of("Notice of policy " + status.getPolicyName() + " version " + status.getPolicyVersion() + ":",
            status.getPendingNotice(), "To acknowledge it: fleet-agent notice --accept");
      }
      AcknowledgeNoticeResponse done = client.acknowledgeNotice(AcknowledgeNoticeRequest.newBuilder().setPolicyVersion(status.getPolicyVersion()).build());
      return List.of("Notice acknowledged. (" + done.getMessage() + ")");
    }
  }

  @Command(name = "exemption", mixinStandardHelpOptions = true, description = "Ask for an exemption, or list yours.",
      subcommands = {ExemptionRequest.class, ExemptionList.class})
  static final class Exemption implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      throw new ParameterException(spec.commandLine(), "Missing command: request or list");
    }
  }

  @Command(name = "request", mixinStandardHelpOptions = true,
      description = "Ask an approver to exempt this laptop; queued while offline.")
  static final class ExemptionRequest extends LocalCommand {
    @Option(names = "--scope", required = true, paramLabel = "SCOPE",
        description = "full, no-screenshots or no-keystrokes.")
    String scope;

    @Option(names = "--reason", required = true, paramLabel = "REASON",
        description = "bandwidth, sensitive-work, battery or other.")
    String reason;

    @Option(names = "--comment", defaultValue = "", description = "A few words for the approver.")
    String comment;

    @Override
    List<String> run(EmployeeClient client, Instant now) throws EmployeeClient.Refused {
      RequestExemptionResponse asked = client.requestExemption(RequestExemptionRequest.newBuilder()
                  .setScope(io.fleetcontrol.proto.v1.ExemptionScope.valueOf(
                      "EXEMPTION_SCOPE_" + word(spec, "--scope", scope, List.of("full", "no-screenshots", "no-keystrokes"))))
                  .setReason(io.fleetcontrol.proto.v1.ExemptionReason.valueOf(
                      "EXEMPTION_REASON_" + word(spec, "--reason", reason,
                          List.of("bandwidth", "sensitive-work", "battery", "other"))))
                  .setComment(comment)
                  .build());
      return List.of("Exemption " + asked.getMessage() + ".");
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Your exemptions and their expiry.")
  static final class ExemptionList extends LocalCommand {
    @Override
    List<String> run(EmployeeClient client, Instant now) throws EmployeeClient.Refused {
      ListExemptionsResponse listed = client.listExemptions();
      return EmployeeView.exemptions(listed.getExemptionsList(), listed.getUnsentList(), now, ZoneId.systemDefault());
    }
  }

  @Command(name = "page", mixinStandardHelpOptions = true,
      description = "Open your controls as a page in the browser (on 127.0.0.1, for you only).")
  static final class Page extends LocalCommand {
    @Option(names = "--no-open", description = "Print the link only; do not start the browser.")
    boolean noOpen;

    @Override
    List<String> run(EmployeeClient client, Instant now) throws EmployeeClient.Refused {
      String url = client.openPage().getUrl();
      List<String> lines = new ArrayList<>(
          List.of("Your controls: " + url, "(The link signs you in once, within two minutes.)"));
      if (!noOpen) {
        lines.add(openInBrowser(url));
      }
      return lines;
    }

    /**
     * xdg-open, when there is one: a terminal over SSH has none, and the link is printed anyway. The
     * link is not put on xdg-open's command line, which every local account can read in /proc: it
     * goes into a file only this user can read, and that file's name is what xdg-open gets.
     */
    private static String openInBrowser(String url) {
      Optional<Path> xdgOpen = Desktop.onPath("xdg-open");
      if (xdgOpen.isEmpty()) {
        return "Open the link in your browser (xdg-open is not on the PATH).";
      }
      try {
        new ProcessBuilder(xdgOpen.get().toString(), forwardingFile(url).toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        return "Opening it in your browser.";
      } catch (IOException e) {
        return "Open the link in your browser (xdg-open failed: " + e.getMessage() + ").";
      }
    }

    /** A page that sends the browser on to {@code url}, readable by this user only. */
    static Path forwardingFile(String url) throws IOException {
      String runtime = System.getenv("XDG_RUNTIME_DIR");
      var ownerOnly = java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      Path file = runtime != null && Files.isDirectory(Path.of(runtime))
          ? Path.of(runtime, "fleet-agent-page.html")
          : Files.createTempFile("fleet-agent-page-", ".html", ownerOnly);
      Files.deleteIfExists(file);
      Files.createFile(file, ownerOnly);
      // The link is ours (127.0.0.1, a base64url code): nothing in it needs escaping in an attribute.
      Files.writeString(file, "<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url="
          + url + "\"><title>Your capture controls</title><a href=\"" + url + "\">Open your capture controls</a>\n");
      return file;
    }
  }

  private static final Pattern DURATION = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

  /** "15m", "1h30m", "90s". */
  static Duration parseDuration(CommandSpec spec, String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (text.isBlank() || !m.matches() || (m.group(1) == null && m.group(2) == null && m.group(3) == null)) {
      throw new ParameterException(spec.commandLine(), "DURATION: \"" + text + "\" is not a duration like 15m or 1h30m");
    }
    return Duration.ofHours(number(m.group(1))).plusMinutes(number(m.group(2))).plusSeconds(number(m.group(3)));
  }

  private static long number(String group) {
    return group == null ? 0 : Long.parseLong(group);
  }

  private static String word(CommandSpec spec, String option, String value, List<String> allowed) {
    String normal = value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    if (!allowed.contains(normal)) {
      throw new ParameterException(spec.commandLine(),
          option + ": \"" + value + "\" is not one of " + String.join(", ", allowed));
    }
    return normal.replace('-', '_').toUpperCase(Locale.ROOT);
  }
}
