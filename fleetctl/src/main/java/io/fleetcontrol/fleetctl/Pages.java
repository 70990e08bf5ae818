package io.fleetcontrol.fleetctl;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/** Follows a List call's next_page_token, the one loop every listing command shares. */
final class Pages {

  private Pages() {}

  /**
   * Pages from {@code first} on until the last page or until {@code limit} items are in hand (at
   * most {@code limit} returned). A server that hands back a token twice would keep this going for
   * ever, so that ends in an error.
   */
  static <Q, R, T> List<T> collect(Q first, Function<Q, R> call, Function<R, List<T>> items,
      Function<R, String> nextToken, BiFunction<Q, String, Q> withToken, int limit) {
    List<T> all = new ArrayList<>();
    Set<String> seenTokens = new HashSet<>();
    Q request = first;
    while (all.size() < limit) {
      R page = call.apply(request);
      all.addAll(items.apply(page));
      String next = nextToken.apply(page);
      if (next.isEmpty()) {
        break;
      }
      if (!seenTokens.add(next)) {
        throw Status.INTERNAL.withDescription("server repeated page token '" + next + "'").asRuntimeException();
      }
      request = withToken.apply(request, next);
    }
    return all.size() > limit ? all.subList(0, limit) : all;
  }
}
