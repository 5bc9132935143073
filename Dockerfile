# faasguard as a container image:
#   docker build -t faasguard .
#   docker run --rm -v "$PWD:/src" faasguard scan /src
#   docker run --rm -v "$PWD:/src" faasguard report /src -o /src/faasguard-report.html
# The image runs as an unprivileged user; mount what you scan at /src.
FROM python:3.12-slim

# A C compiler builds the optional native log scanner (faasguard logs); without it the
# numpy path gives the same results, so the compiler is removed again afterwards.
COPY . /opt/faasguard
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && python -m pip install --no-cache-dir /opt/faasguard \
    && apt-get purge -y gcc libc6-dev && apt-get autoremove -y \
    && rm -rf /var/lib/apt/lists/* /opt/faasguard \
    && useradd --create-home --uid 10001 faasguard

USER faasguard
WORKDIR /src
ENTRYPOINT ["faasguard"]
CMD ["scan", "."]
