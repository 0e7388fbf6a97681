package io.contrastream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A plain HTTP GET of Flink's REST API for tests that look at views the job's own client does not need
 * (vertex metrics, job config, exceptions): an independent client, so what it sees is what anyone on the
 * address sees.
 *
 * <pre>{@code
 * JsonNode job = RestJson.get("http://127.0.0.1:8081", "/jobs/" + id);
 * }</pre>
 */
final class RestJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RestJson() {}

    /** GET {@code base + path}, parsed; fails on any status other than 200. */
    static JsonNode get(String base, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + base + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
