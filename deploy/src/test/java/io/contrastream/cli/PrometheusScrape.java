package io.contrastream.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One scrape of every Prometheus endpoint in a port range on 127.0.0.1 (a JobManager and TaskManagers each
 * take a port of it): the bodies of those that answered, as an independent scraper sees them.
 *
 * <pre>{@code
 * List<String> bodies = PrometheusScrape.of(9249, 9259);
 * }</pre>
 */
final class PrometheusScrape {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusScrape() {}

    /** The {@code /metrics} bodies of the ports in [from, to] that serve one. */
    static List<String> of(int from, int to) throws InterruptedException {
        List<String> bodies = new ArrayList<>();
        for (int port = from; port <= to; port++) {
            try {
                bodies.add(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body());
            } catch (IOException e) {
                // a port of the range nobody took (or a process not up yet)
            }
        }
        return bodies;
    }
}
