"""Reading a Prometheus exposition in tests, with prometheus_client's own parser."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from helpline import metrics

Labels = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Scrape:
    samples: dict[tuple[str, Labels], float]
    families: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> Scrape:
        samples: dict[tuple[str, Labels], float] = {}
        families = set()
        for family in text_string_to_metric_families(text):
            families.add(family.name)
            for sample in family.samples:
                samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
        return cls(samples, frozenset(families))

    def value(self, name: str, **labels: str) -> float:
        """The sample with exactly these labels; 0 when there is none (not counted yet)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def total(self, name: str, **labels: str) -> float:
        """The sum over every sample of `name` with at least these labels."""
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.samples.items() if n == name and wanted <= ls)

    def label_values(self) -> set[str]:
        return {value for _name, labels in self.samples for _key, value in labels}


def exposition(client: redis.Redis, timings: metrics.WebhookTimings | None = None) -> Scrape:
    registry = CollectorRegistry()
    registry.register(metrics.HelplineCollector(client, timings))
    return Scrape.parse(generate_latest(registry).decode())
