package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/grafana/contrastream-feed.json} is a dashboard Grafana can import (panels with Prometheus
 * queries on a datasource variable) and every query names a metric the job registers: the operator's
 * metric name after Flink's {@code flink_taskmanager_job_task_operator_} scope is declared by a
 * {@code gauge/counter/histogram/meter("NAME")} call in flink-jobs. {@code ClusterFailoverIT} checks the same
 * names against a real scrape.
 */
class GrafanaDashboardTest {
    static final Path DASHBOARD = Path.of("grafana", "contrastream-feed.json"); // surefire runs in deploy/
    static final String OPERATOR_SCOPE = "flink_taskmanager_job_task_operator_";
    private static final Pattern METRIC = Pattern.compile("\\b(flink_[a-z_]+_)([A-Za-z]+)\\b");
    private static final Pattern REGISTERED = Pattern.compile("\\.(gauge|counter|histogram|meter)\\(\"([A-Za-z]+)\"");

    /** Every full metric name the dashboard queries. */
    static Set<String> queriedMetrics() throws IOException {
        Set<String> out = new TreeSet<>();
        for (JsonNode p : new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels")) {
            for (JsonNode t : p.path("targets")) {
                Matcher m = METRIC.matcher(t.path("expr").asText());
                while (m.find()) {
                    out.add(m.group(1) + m.group(2));
                }
            }
        }
        return out;
    }

    @Test
    void everyPanelQueriesPrometheusThroughTheDatasourceVariable() throws IOException {
        JsonNode d = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertThat(d.path("uid").asText()).isNotBlank();
        assertThat(d.path("templating").path("list").findValuesAsText("type")).contains("datasource");
        assertThat(d.path("panels")).isNotEmpty();
        for (JsonNode p : d.path("panels")) {
            assertThat(p.path("datasource").path("uid").asText()).as(p.path("title").asText()).isEqualTo("${datasource}");
            assertThat(p.path("targets")).as(p.path("title").asText()).isNotEmpty();
            for (JsonNode t : p.path("targets")) {
                assertThat(t.path("expr").asText()).as(p.path("title").asText()).isNotBlank();
            }
        }
    }

    @Test
    void everyQueryNamesAMetricTheJobRegisters() throws IOException {
        Set<String> registered = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("..", "flink-jobs", "src", "main", "java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = REGISTERED.matcher(Files.readString(f));
                while (m.find()) {
                    registered.add(m.group(2));
                }
            }
        }
        Set<String> queried = queriedMetrics();
        assertThat(queried).as("the dashboard's metrics").isNotEmpty()
                .allSatisfy(name -> assertThat(name).startsWith(OPERATOR_SCOPE));
        List<String> names = queried.stream().map(n -> n.substring(OPERATOR_SCOPE.length())).toList();
        assertThat(registered).as("metrics registered in flink-jobs").containsAll(names);
        // the feed's own figures are on it
        assertThat(names).contains("embedLatencyMs", "embeddedPerSecond", "recordsInPerSecond", "deadLettersPerSecond",
                "modelVersion", "lastPublishedVersion", "modelAgeMs");
    }
}
