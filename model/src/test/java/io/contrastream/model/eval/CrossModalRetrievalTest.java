package io.contrastream.model.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Nearest-neighbour retrieval across modalities: cosine, not distance; unlabelled queries left out. */
class CrossModalRetrievalTest {
    @Test
    void scoresTheNearestByCosine() {
        float[][] gallery = {{10, 0}, {0, 1}, {1, 1}};
        int[] galleryLabels = {0, 1, 2};
        // (1, 0.1) is nearest (10, 0) by cosine though (1, 1) is nearer in distance
        float[][] queries = {{1, 0.1f}, {0, 3}, {2, 2.1f}, {5, 5}};
        assertThat(CrossModalRetrieval.top1(queries, new int[] {0, 1, 2, -1}, gallery, galleryLabels)).isEqualTo(1.0);
        assertThat(CrossModalRetrieval.top1(queries, new int[] {0, 0, 2, 1}, gallery, galleryLabels))
                .isCloseTo(0.5, within(1e-12));
        assertThatThrownBy(() -> CrossModalRetrieval.top1(queries, new int[] {-1, -1, -1, -1}, gallery, galleryLabels))
                .hasMessageContaining("no labelled query");
    }
}
