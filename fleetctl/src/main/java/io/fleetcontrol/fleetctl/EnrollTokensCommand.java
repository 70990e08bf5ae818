package io.fleetcontrol.fleetctl;

import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.CreateEnrollmentTokenRequest;
import io.fleetcontrol.proto.v1.CreateEnrollmentTokenResponse;
import io.fleetcontrol.proto.v1.EnrollmentToken;
import io.fleetcontrol.proto.v1.ListEnrollmentTokensRequest;
import io.fleetcontrol.proto.v1.ListEnrollmentTokensResponse;
import io.fleetcontrol.proto.v1.RevokeEnrollmentTokenRequest;
import io.fleetcontrol.wire.WireTime;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fleetctl enroll-tokens create|list|revoke}: the tokens laptops enroll with. The server keeps
 * only a hash of each secret, so create is the one chance to see it.
 */
@Command(
    name = "enroll-tokens",
    description = "Create, list and revoke the enrollment tokens agents enroll with.",
    subcommands = {EnrollTokensCommand.Create.class, EnrollTokensCommand.ListTokens.class, EnrollTokensCommand.Revoke.class})
final class EnrollTokensCommand {
  @Mixin HelpOption help;

  /** The API's own bound: one page holds every token. */
  static final int PAGE_SIZE = 1000;

  @Command(name = "create", description = "Create a token for up to N enrollments until it expires; its secret is shown only now.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(names = "--uses", required = true, paramLabel = "N", description = "How many devices may enroll with it (at least 1).")
    int uses;

    @Option(names = "--expires", required = true, paramLabel = "DURATION", converter = DurationConverter.class,
        description = "How long from now it stays valid, e.g. 24h, 7d.")
    Duration expires;

    @Option(names = "--label", paramLabel = "KEY=VALUE",
        description = "A label every device enrolled with it gets; repeat for several.")
    List<String> labels = new ArrayList<>();

    @Option(names = "--jurisdiction", paramLabel = "CC",
        description = "The jurisdiction (ISO 3166-1 country, e.g. DE) of every device enrolled with it, whatever the laptop says.")
    String jurisdiction;

    @Override
    public Integer call() {
      CreateEnrollmentTokenRequest request = request(Instant.now());
      Fleetctl fleetctl = Fleetctl.of(spec);
      CreateEnrollmentTokenResponse response = fleetctl.connection().call(AdminServiceClient::createEnrollmentToken, request);
      OutputFormat format = fleetctl.options().output;
      if (format == OutputFormat.table) {
        printCreated(fleetctl.out(), response);
      } else {
        StructuredOutput.print(fleetctl.out(), format, response);
      }
      return ExitCodes.OK;
    }

    /** Checks what picocli cannot, as usage errors (exit 2) before anything is sent. */
    private CreateEnrollmentTokenRequest request(Instant now) {
      if (uses < 1) {
        throw new ParameterException(spec.commandLine(), "--uses must be at least 1, got " + uses);
      }
      Map<String, String> labelMap = new LinkedHashMap<>();
      for (String label : labels) {
        int eq = label.indexOf('=');
        if (eq < 1) {
          throw new ParameterException(spec.commandLine(), "--label must be KEY=VALUE, got '" + label + "'");
        }
        // Two values for one key would silently keep the last.
        if (labelMap.put(label.substring(0, eq), label.substring(eq + 1)) != null) {
          throw new ParameterException(spec.commandLine(), "--label " + label.substring(0, eq) + " is given twice");
        }
      }
      CreateEnrollmentTokenRequest.Builder request = CreateEnrollmentTokenRequest.newBuilder()
          .setMaxUses(uses)
          .setExpireTime(WireTime.toProto(now.plus(expires).truncatedTo(ChronoUnit.SECONDS)))
          .putAllLabels(labelMap);
      if (jurisdiction != null) {
        // Country codes are upper case; accept "de" as people type it.
        request.setJurisdiction(jurisdiction.toUpperCase(Locale.ROOT));
      }
      return request.build();
    }

    /** The secret first, on its own "token:" line, so it is seen and {@code awk '/^token:/{print $2}'} finds it. */
    private static void printCreated(PrintWriter out, CreateEnrollmentTokenResponse response) {
      EnrollmentToken token = response.getEnrollmentToken();
      out.println("token:        " + response.getSecretToken());
      out.println("id:           " + token.getTokenId());
      out.println("uses:         " + token.getUsed() + "/" + token.getMaxUses());
      out.println("expires:      " + time(token.hasExpireTime(), token.getExpireTime()));
      if (token.getLabelsCount() > 0) {
        out.println("labels:       " + labels(token));
      }
      if (!token.getJurisdiction().isEmpty()) {
        out.println("jurisdiction: " + token.getJurisdiction());
      }
      out.println();
      out.println("Copy the token now: it is not shown again. Agents take it as FLEET_ENROLLMENT_TOKEN.");
    }
  }

  @Command(name = "list", description = "List enrollment tokens with their uses, expiry and state.")
  static final class ListTokens implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;
    @Mixin WatchOption watch;

    @Override
    public Integer call() throws Exception {
      Fleetctl fleetctl = Fleetctl.of(spec);
      return watch.run(fleetctl.out(), "fleetctl enroll-tokens list", () -> {
        List<EnrollmentToken> tokens = fetchAll(fleetctl.connection());
        Instant now = Instant.now();
        OutputFormat format = fleetctl.options().output;
        if (format == OutputFormat.table) {
          Table table = new Table("ID", "USES", "EXPIRES", "LABELS", "JURISDICTION", "STATE", "CREATED BY");
          for (EnrollmentToken t : tokens) {
            table.row(t.getTokenId(), t.getUsed() + "/" + t.getMaxUses(), time(t.hasExpireTime(), t.getExpireTime()),
                labels(t), t.getJurisdiction(), state(t, now), t.getCreatedBy());
          }
          table.print(fleetctl.out(), "");
        } else {
          StructuredOutput.print(fleetctl.out(), format,
              ListEnrollmentTokensResponse.newBuilder().addAllEnrollmentTokens(tokens).build());
        }
      });
    }

    /** Follows next_page_token to the last page, though one page normally holds them all. */
    static List<EnrollmentToken> fetchAll(AdminConnection connection) {
      return Pages.collect(ListEnrollmentTokensRequest.newBuilder().setPageSize(PAGE_SIZE).build(),
          request -> connection.call(AdminServiceClient::listEnrollmentTokens, request),
          ListEnrollmentTokensResponse::getEnrollmentTokensList, ListEnrollmentTokensResponse::getNextPageToken,
          (request, token) -> request.toBuilder().setPageToken(token).build(), Integer.MAX_VALUE);
    }
  }

  @Command(name = "revoke", description = "Revoke a token so no more devices enroll with it; those already enrolled stay.")
  static final class Revoke implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "TOKEN_ID", description = "The token id, e.g. et-3f9a1c2b (not the secret).")
    String tokenId;

    @Override
    public Integer call() {
      // "et-x.secret" pasted by mistake: only the id before the dot is meant, and the secret must not travel.
      if (tokenId.contains(".")) {
        throw new ParameterException(spec.commandLine(),
            "give the token id (the part before the '.'), not the secret token");
      }
      Fleetctl fleetctl = Fleetctl.of(spec);
      EnrollmentToken token = fleetctl.connection().call(AdminServiceClient::revokeEnrollmentToken,
          RevokeEnrollmentTokenRequest.newBuilder().setTokenId(tokenId).build()).getEnrollmentToken();
      OutputFormat format = fleetctl.options().output;
      if (format == OutputFormat.table) {
        fleetctl.out().printf("enrollment token %s revoked after %d of %d uses%n",
            token.getTokenId(), token.getUsed(), token.getMaxUses());
      } else {
        StructuredOutput.print(fleetctl.out(), format, token);
      }
      return ExitCodes.OK;
    }
  }

  /**
   * active, expired, revoked or used_up; one word (like the other state names) so table columns
   * split on spaces. Revoked first: an admin's decision says more than the clock.
   */
  static String state(EnrollmentToken token, Instant now) {
    if (token.getRevoked()) {
      return "revoked";
    }
    if (token.hasExpireTime() && !WireTime.fromProto(token.getExpireTime()).isAfter(now)) {
      return "expired";
    }
    if (token.getUsed() >= token.getMaxUses()) {
      return "used_up";
    }
    return "active";
  }

  /** "team=sales,os=mac" sorted by key, with no spaces so the table splits on them. */
  private static String labels(EnrollmentToken token) {
    return new TreeMap<>(token.getLabelsMap()).entrySet().stream()
        .map(label -> label.getKey() + "=" + label.getValue())
        .collect(Collectors.joining(","));
  }

  private static String time(boolean present, com.google.protobuf.Timestamp t) {
    return present ? WireTime.fromProto(t).truncatedTo(ChronoUnit.SECONDS).toString() : "-";
  }
}
