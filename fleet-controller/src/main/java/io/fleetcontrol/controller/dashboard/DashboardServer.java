package io.fleetcontrol.controller.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.fleetcontrol.controller.grpc.AdminServiceImpl;
import io.fleetcontrol.controller.grpc.ControllerServer;
import io.fleetcontrol.controller.grpc.ServiceBinding;
import io.fleetcontrol.controller.grpc.ServiceBinding.UnaryMethod;
import io.fleetcontrol.controller.security.AdminTokens;
import io.fleetcontrol.grpcedge.GrpcFailures;
import io.fleetcontrol.proto.v1.AdminService;
import io.fleetcontrol.proto.v1.AdminServicePowerApi;
import io.grpc.Status;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.HttpCookie;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.SameSite;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ops dashboard: static pages (resources {@code dashboard/}) and a JSON API over the admin
 * service itself. {@code POST /api/<Method>} takes the method's request as protobuf JSON and calls
 * the same {@link AdminServiceImpl} the gRPC API does, as the signed-in admin, so permissions,
 * validation and answers are the API's. Sign-in is with an admin token, once; the session is a
 * signed cookie (HttpOnly, Secure under TLS, SameSite=Strict), and every call that changes or reads
 * data carries the session's CSRF token in a header a cross-site form cannot send.
 */
public final class DashboardServer extends AllDirectives {

  private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);
  static final String CSRF_HEADER = "X-CSRF-Token";
  private static final long MAX_BODY_BYTES = 64 * 1024;
  private static final JsonFormat.Parser JSON_IN = JsonFormat.parser();
  private static final JsonFormat.Printer JSON_OUT = JsonFormat.printer().includingDefaultValueFields()
      .omittingInsignificantWhitespace();
  private static final ObjectMapper JACKSON = new ObjectMapper();
  private static final List<HttpHeader> SECURITY_HEADERS = List.of(
      // Every script and style is a file of ours: no inline code, no CDN, no framing.
      RawHeader.create("Content-Security-Policy",
          "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      // Not no-referrer: with it browsers send "Origin: null" on the page's own posts, which sameOrigin refuses.
      RawHeader.create("Referrer-Policy", "same-origin"),
      RawHeader.create("Cache-Control", "no-store"));

  private final AdminServiceImpl admin;
  private final Map<String, UnaryMethod> methods;
  private final DashboardSessions sessions;
  private final FleetHistory history;
  private final boolean secure;

  private DashboardServer(AdminServiceImpl admin, DashboardSessions sessions, FleetHistory history, boolean secure) {
    this.admin = admin;
    this.methods = ServiceBinding.unaryMethods(ControllerServer.service(AdminService.description),
        AdminServicePowerApi.class);
    this.sessions = sessions;
    this.history = history;
    this.secure = secure;
  }

  /** Binds the dashboard; {@code tls} empty only in dev mode on loopback, as for gRPC. */
  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, String host, int port,
      Optional<KeyManagerFactory> tls, AdminServiceImpl admin, DashboardSessions sessions, FleetHistory history) {
    var dashboard = new DashboardServer(admin, sessions, history, tls.isPresent());
    ServerBuilder builder = Http.get(system).newServerAt(host, port);
    if (tls.isPresent()) {
      builder = builder.enableHttps(ConnectionContext.httpsServer(sslContext(tls.get())));
    }
    return builder.bind(dashboard.routes()).thenApply(binding -> {
      binding.addToCoordinatedShutdown(Duration.ofSeconds(5), system);
      log.info("Dashboard at {}://{}:{}/", tls.isPresent() ? "https" : "http", host,
          binding.localAddress().getPort());
      return binding;
    });
  }

  private static SSLContext sslContext(KeyManagerFactory keys) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("fleet.grpc.tls: the key and certificate cannot serve the dashboard: "
          + e.getMessage(), e);
    }
  }

  Route routes() {
    return respondWithHeaders(SECURITY_HEADERS, () -> loopbackNameWithoutTls(() -> concat(
        pathSingleSlash(() -> get(() -> signedIn(session -> getFromResource("dashboard/index.html"),
            () -> redirect(Uri.create("/signin"), StatusCodes.SEE_OTHER)))),
        path("signin", () -> concat(
            get(() -> getFromResource("dashboard/signin.html")),
            post(() -> sameOrigin(() -> formField("token", this::signIn))))),
        path("signout", () -> post(() -> sameOrigin(() -> signedIn(session -> csrfChecked(session,
            () -> deleteCookie(sessionCookie(""), () -> redirect(Uri.create("/signin"), StatusCodes.SEE_OTHER))),
            () -> redirect(Uri.create("/signin"), StatusCodes.SEE_OTHER))))),
        pathPrefix("assets", () -> get(() -> getFromResourceDirectory("dashboard/assets"))),
        pathPrefix("api", () -> signedIn(session -> concat(
            path("session", () -> get(() -> json(StatusCodes.OK, toJson(SessionView.of(session))))),
            path("history", () -> get(() -> json(StatusCodes.OK, toJson(HistoryView.of(history.points()))))),
            path(PathMatchers.segment(), method -> post(() -> sameOrigin(() -> csrfChecked(session,
                () -> withSizeLimit(MAX_BODY_BYTES, () -> entity(Unmarshaller.entityToString(),
                    body -> call(session, method, body)))))))),
            () -> json(StatusCodes.UNAUTHORIZED, error(Status.Code.UNAUTHENTICATED,
                "sign in first: the session is missing or has expired")))))));
  }

  /**
   * Without TLS (dev mode, loopback) a page of any site could rebind its own name to 127.0.0.1 and
   * talk to the dashboard as a same-origin page; it cannot make the browser send a loopback Host.
   * With TLS the certificate does not match such a name, so the browser never gets that far.
   */
  private Route loopbackNameWithoutTls(Supplier<Route> inner) {
    return extractUri(uri -> {
      String host = uri.host().address();
      if (secure || host.equals("127.0.0.1") || host.equalsIgnoreCase("localhost") || host.equals("::1")) {
        return inner.get();
      }
      return json(StatusCodes.FORBIDDEN, error(Status.Code.PERMISSION_DENIED,
          "without TLS the dashboard answers at 127.0.0.1 or localhost only, not at " + host));
    });
  }

  /** The route for a valid session, or {@code otherwise}. */
  private Route signedIn(java.util.function.Function<DashboardSessions.Session, Route> inner, Supplier<Route> otherwise) {
    return optionalCookie(DashboardSessions.COOKIE, cookie -> sessions.check(cookie.map(c -> c.value()).orElse(null))
        .map(inner)
        .orElseGet(otherwise));
  }

  private Route csrfChecked(DashboardSessions.Session session, Supplier<Route> inner) {
    return optionalHeaderValueByName(CSRF_HEADER, sent -> DashboardSessions.csrfMatches(session, sent.orElse(null))
        ? inner.get()
        : json(StatusCodes.FORBIDDEN, error(Status.Code.PERMISSION_DENIED,
            "the " + CSRF_HEADER + " header is missing or wrong: a change needs the page's own token")));
  }

  /**
   * A POST whose Origin (browsers send it) is not this server's own is refused; one without is let
   * through (a non-browser client, which has no cookie to abuse).
   */
  private Route sameOrigin(Supplier<Route> inner) {
    return optionalHeaderValueByName("Origin", origin -> extractUri(uri -> {
      if (origin.isEmpty() || sameAuthority(origin.get(), uri)) {
        return inner.get();
      }
      return json(StatusCodes.FORBIDDEN, error(Status.Code.PERMISSION_DENIED,
          "a request from another site (Origin " + origin.get() + ") is refused"));
    }));
  }

  private static boolean sameAuthority(String origin, Uri self) {
    try {
      URI parsed = URI.create(origin);
      // java.net.URI keeps an IPv6 literal's brackets; pekko's Host does not.
      String host = parsed.getHost() == null ? "" : parsed.getHost().replaceAll("^\\[|]$", "");
      return self.scheme().equals(parsed.getScheme()) && self.host().address().equalsIgnoreCase(host)
          && portOf(self.scheme(), self.port()) == portOf(parsed.getScheme(), parsed.getPort());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** A URI's port, the scheme's own where none is written. */
  private static int portOf(String scheme, int port) {
    return port > 0 ? port : "https".equals(scheme) ? 443 : 80;
  }

  private Route signIn(String token) {
    String cookie;
    try {
      cookie = sessions.signIn(token.strip());
    } catch (GrpcServiceException refused) {
      log.atInfo().addKeyValue("via", "dashboard").log("dashboard sign-in refused: {}", refused.getStatus().getDescription());
      return complete(HttpResponse.create().withStatus(StatusCodes.UNAUTHORIZED).withEntity(ContentTypes.TEXT_HTML_UTF8,
          "<!doctype html><title>Sign-in refused</title><p>That admin token is not valid. <a href=\"/signin\">Try again</a>."));
    }
    return setCookie(sessionCookie(cookie).withMaxAge(sessions.lifetime().toSeconds()),
        () -> redirect(Uri.create("/"), StatusCodes.SEE_OTHER));
  }

  /** The session cookie: out of the page's scripts' reach, never sent cross-site, only over TLS where there is TLS. */
  private HttpCookie sessionCookie(String value) {
    return HttpCookie.create(DashboardSessions.COOKIE, value)
        .withHttpOnly(true)
        .withSecure(secure)
        .withSameSite(SameSite.Strict)
        .withPath("/");
  }

  /** One admin method, as the session's admin, with the API's own checks and answers. */
  private Route call(DashboardSessions.Session session, String methodName, String body) {
    UnaryMethod method = methods.get(methodName);
    if (method == null) {
      return json(StatusCodes.NOT_FOUND, error(Status.Code.NOT_FOUND, "the admin API has no method " + methodName));
    }
    Message.Builder request = method.request().newBuilderForType();
    try {
      JSON_IN.merge(body.isBlank() ? "{}" : body, request);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return json(StatusCodes.BAD_REQUEST, error(Status.Code.INVALID_ARGUMENT,
          "body: not a " + method.request().getDescriptorForType().getName() + " in JSON (" + e.getMessage() + ")"));
    }
    String caller = session.caller().name();
    CompletionStage<HttpResponse> answer = method.call(admin.forCaller(session.caller()), request.build(),
            ServiceBinding.noMetadata())
        .handle((response, failure) -> {
          Status status = failure == null ? Status.OK : ServiceBinding.statusOf("dashboard " + methodName, failure);
          log.atInfo()
              .addKeyValue("method", methodName)
              .addKeyValue("caller", caller)
              .addKeyValue("status", status.getCode().name())
              .addKeyValue("via", "dashboard")
              .log("admin {} by {} (dashboard): {}", methodName, caller, status.getCode());
          if (failure != null) {
            return jsonResponse(httpStatus(status.getCode()), error(status.getCode(), status.getDescription()));
          }
          try {
            return jsonResponse(StatusCodes.OK, JSON_OUT.print(response));
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(methodName + ": its answer does not print as JSON", e);
          }
        });
    return completeWithFuture(answer);
  }

  /** Who is signed in and what the page may show them; the CSRF token goes back on every POST. */
  record SessionView(String name, String role, List<String> permissions, String csrfToken, String expires) {
    static SessionView of(DashboardSessions.Session session) {
      return new SessionView(session.caller().name(), session.caller().role().name().toLowerCase(Locale.ROOT),
          AdminTokens.permissionsOf(session.caller()).stream()
              .map(p -> p.name().toLowerCase(Locale.ROOT).replace('_', '-'))
              .sorted()
              .toList(),
          session.csrfToken(), session.expires().toString());
    }
  }

  /** Times as ISO-8601 text, as JsonFormat prints the API's timestamps. */
  record HistoryView(List<PointView> points) {
    record PointView(String at, long online, long stale, long offline) {}

    static HistoryView of(List<FleetHistory.Point> points) {
      return new HistoryView(points.stream()
          .map(p -> new PointView(p.at().toString(), p.online(), p.stale(), p.offline()))
          .toList());
    }
  }

  record ErrorView(ErrorBody error) {
    record ErrorBody(String code, String message) {}
  }

  static StatusCode httpStatus(Status.Code code) {
    return StatusCodes.get(GrpcFailures.httpStatus(code));
  }

  private static String error(Status.Code code, String message) {
    return toJson(new ErrorView(new ErrorView.ErrorBody(code.name(), message == null ? "" : message)));
  }

  private static String toJson(Object view) {
    try {
      return JACKSON.writeValueAsString(view);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a dashboard view does not print as JSON", e);
    }
  }

  private Route json(StatusCode status, String json) {
    return complete(jsonResponse(status, json));
  }

  private static HttpResponse jsonResponse(StatusCode status, String json) {
    return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, json);
  }

}
