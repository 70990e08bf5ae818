package io.fleetcontrol.controller.admin;

import io.fleetcontrol.controller.grpc.GrpcErrors;
import io.fleetcontrol.controller.grpc.InputRules;
import io.fleetcontrol.controller.grpc.PageTokens;
import io.fleetcontrol.controller.grpc.ProtoMapping;
import io.fleetcontrol.controller.security.SignedSecrets;
import io.fleetcontrol.device.DeviceCredential;
import io.fleetcontrol.enrollment.EnrollmentToken;
import io.fleetcontrol.proto.v1.CreateEnrollmentTokenRequest;
import io.fleetcontrol.proto.v1.CreateEnrollmentTokenResponse;
import io.fleetcontrol.proto.v1.ListEnrollmentTokensRequest;
import io.fleetcontrol.proto.v1.ListEnrollmentTokensResponse;
import io.fleetcontrol.proto.v1.RevokeEnrollmentTokenRequest;
import io.fleetcontrol.proto.v1.RevokeEnrollmentTokenResponse;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * Enrollment tokens behind the admin API. Each token is its own entity (uses counted exactly);
 * the ids of all tokens sit in one small Cassandra table so they can be listed.
 */
public final class EnrollmentTokenAdmin {

  static final int MAX_USES = 100_000;
  static final Duration MAX_LIFETIME = Duration.ofDays(365);
  private static final Pattern TOKEN_ID = Pattern.compile("et-[0-9a-f]{12}");

  private final ActorSystem<?> system;
  private final CassandraSession session;
  private final String table;
  private final SignedSecrets credentials;
  private final Duration askTimeout;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public EnrollmentTokenAdmin(ActorSystem<?> system, CassandraSession session, String keyspace,
      SignedSecrets credentials, Duration askTimeout, Clock clock) {
    this.system = system;
    this.session = session;
    this.table = keyspace + ".enrollment_tokens";
    this.credentials = credentials;
    this.askTimeout = askTimeout;
    this.clock = clock;
  }

  public CompletionStage<CreateEnrollmentTokenResponse> create(CreateEnrollmentTokenRequest in, String by) {
    if (in.getMaxUses() < 1 || in.getMaxUses() > MAX_USES) {
      throw InputRules.invalid("max_uses must be between 1 and " + MAX_USES + ", got " + in.getMaxUses());
    }
    if (!in.hasExpireTime()) {
      throw InputRules.invalid("expire_time is required: every enrollment token ends by itself");
    }
    Instant expiry = InputRules.timeAhead("expire_time", in.getExpireTime(), clock.instant(), MAX_LIFETIME, "365 days");
    String jurisdiction = in.getJurisdiction().isEmpty() ? "" : InputRules.jurisdiction(in.getJurisdiction());
    var terms = new EnrollmentToken.Terms(in.getMaxUses(), expiry, InputRules.labels(in.getLabelsMap()), jurisdiction);
    byte[] id = new byte[6];
    random.nextBytes(id);
    String tokenId = "et-" + HexFormat.of().formatHex(id);
    String token = credentials.enrollmentToken(tokenId);
    // The id is listed first: a token that exists is always listed (an id without a token is skipped).
    return session.executeWrite("INSERT INTO " + table + " (bucket, token_id) VALUES (0, ?)", tokenId)
        .thenCompose(done -> EnrollmentToken.ref(system, tokenId).<EnrollmentToken.View>askWithStatus(
            replyTo -> new EnrollmentToken.Create(terms, DeviceCredential.hashSecret(token), by, replyTo), askTimeout))
        .handle((view, failure) -> {
          if (failure != null) {
            throw GrpcErrors.fromAsk("create enrollment token", failure);
          }
          return CreateEnrollmentTokenResponse.newBuilder()
              .setEnrollmentToken(toProto(view))
              .setSecretToken(token)
              .build();
        });
  }

  /** Every token, oldest first. Tokens are few (one per batch of laptops), so no paging. */
  /** Tokens are few (one per batch of laptops): one page holds them all. */
  public CompletionStage<ListEnrollmentTokensResponse> list(ListEnrollmentTokensRequest in) {
    PageTokens.pageSize(in.getPageSize());
    if (!in.getPageToken().isEmpty()) {
      throw InputRules.invalid("page_token is not a token this server issued");
    }
    return list().thenApply(all -> ListEnrollmentTokensResponse.newBuilder().addAllEnrollmentTokens(all).build());
  }

  public CompletionStage<RevokeEnrollmentTokenResponse> revoke(RevokeEnrollmentTokenRequest in, String by) {
    return revoke(in.getTokenId(), by)
        .thenApply(token -> RevokeEnrollmentTokenResponse.newBuilder().setEnrollmentToken(token).build());
  }

  CompletionStage<List<io.fleetcontrol.proto.v1.EnrollmentToken>> list() {
    return session.selectAll("SELECT token_id FROM " + table + " WHERE bucket = 0")
        .thenCompose(rows -> {
          List<CompletableFuture<EnrollmentToken.View>> views = rows.stream()
              .map(row -> EnrollmentToken.ref(system, row.getString("token_id"))
                  .<StatusReply<EnrollmentToken.View>>ask(EnrollmentToken.Get::new, askTimeout)
                  .thenApply(reply -> reply.isSuccess() ? reply.getValue() : null)
                  .toCompletableFuture())
              .toList();
          return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
              .thenApply(all -> views.stream().map(CompletableFuture::join)
                  .filter(java.util.Objects::nonNull)
                  .sorted(Comparator.comparing(EnrollmentToken.View::createTime))
                  .map(EnrollmentTokenAdmin::toProto)
                  .toList());
        })
        .exceptionally(failure -> {
          throw GrpcErrors.fromAsk("list enrollment tokens", failure);
        });
  }

  CompletionStage<io.fleetcontrol.proto.v1.EnrollmentToken> revoke(String tokenId, String by) {
    if (!TOKEN_ID.matcher(tokenId).matches()) {
      throw InputRules.invalid("token_id must look like et-0123456789ab, got " + InputRules.describe(tokenId));
    }
    return EnrollmentToken.ref(system, tokenId)
        .<EnrollmentToken.View>askWithStatus(replyTo -> new EnrollmentToken.Revoke(by, replyTo), askTimeout)
        .handle((view, failure) -> {
          if (failure != null) {
            throw GrpcErrors.fromAsk("revoke enrollment token " + tokenId, failure);
          }
          return toProto(view);
        });
  }

  static io.fleetcontrol.proto.v1.EnrollmentToken toProto(EnrollmentToken.View view) {
    var terms = view.terms();
    var out = io.fleetcontrol.proto.v1.EnrollmentToken.newBuilder()
        .setTokenId(view.tokenId())
        .setMaxUses(terms.maxUses())
        .setUsed(view.used())
        .setCreateTime(ProtoMapping.toProto(view.createTime()))
        .setExpireTime(ProtoMapping.toProto(terms.expireTime()))
        .putAllLabels(terms.labels())
        .setJurisdiction(terms.jurisdiction() == null ? "" : terms.jurisdiction())
        .setCreatedBy(view.createdBy())
        .setRevoked(view.revoked());
    if (view.revokedBy() != null) {
      out.setRevokedBy(view.revokedBy());
    }
    return out.build();
  }
}
