package io.contrastream.flink.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.connectors.format.avro.ModelVersion;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import java.nio.charset.StandardCharsets;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * The guard adds {@code model-version} (decimal text) to records with a {@code modelVersion} field, none to
 * others, and counts the header's bytes against {@code max-output-bytes}: what the broker receives is key +
 * value + headers, so a record that fits only without its header is refused, as a dead letter.
 */
class OutputGuardHeadersTest {
    static EmbeddingRecord embedding(long version) {
        EmbeddingRecord e = new EmbeddingRecord();
        e.recordId = "img-1";
        e.source = "test";
        e.modelId = "moco-v2";
        e.modelVersion = version;
        e.vector = new float[] {1, 2, 3};
        return e;
    }

    static OneInputStreamOperatorTestHarness<EmbeddingRecord, KafkaBytes> harness(int maxBytes) throws Exception {
        return ProcessFunctionTestHarnesses.forProcessFunction(OutputGuard.of("embeddings", maxBytes, 256,
                Embedding.class, EmbeddingRecord::toAvro, e -> e.recordId));
    }

    @Test
    void theHeaderIsTheVersionAsTextAndCountsTowardsTheLimit() throws Exception {
        EmbeddingRecord e = embedding(1234);
        int keyAndValue = AvroCodec.of(Embedding.class).encode(e.toAvro()).length + "img-1".length();
        int header = "model-version".length() + "1234".length();

        try (var fits = harness(keyAndValue + header)) {
            fits.processElement(e, 0);
            assertThat(fits.extractOutputValues()).singleElement().satisfies(out -> {
                assertThat(out.headers).hasSize(1);
                assertThat(out.headers[0].key).isEqualTo(KafkaBytes.MODEL_VERSION);
                assertThat(new String(out.headers[0].value, StandardCharsets.US_ASCII)).isEqualTo("1234");
            });
        }
        try (var tooLarge = harness(keyAndValue + header - 1)) {
            tooLarge.processElement(e, 0);
            assertThat(tooLarge.extractOutputValues()).isEmpty();
            assertThat(tooLarge.getSideOutput(OutputGuard.REFUSED)).singleElement()
                    .satisfies(d -> assertThat(d.getValue().reason).contains("exceeds max-output-bytes"));
        }
    }

    @Test
    void aRecordWithoutAModelVersionFieldGetsNoHeader() throws Exception {
        ModelUpdate u = new ModelUpdate();
        u.modelId = "moco-v2";
        u.version = 3;
        u.uri = "file:///m/v3";
        var guard = OutputGuard.of("model-versions", 1_000_000, 256, ModelVersion.class,
                (ModelUpdate m) -> ModelVersion.newBuilder().setModelId(m.modelId).setVersion(m.version).setUri(m.uri)
                        .setStep(m.step).setLoss(m.loss).build(), m -> m.modelId);
        try (var h = ProcessFunctionTestHarnesses.forProcessFunction(guard)) {
            h.processElement(u, 0);
            assertThat(h.extractOutputValues()).singleElement().satisfies(out -> assertThat(out.headers).isEmpty());
        }
    }
}
