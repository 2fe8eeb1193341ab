# The helpline's one image: `helpline serve` by default, `helpline worker` in
# docker-compose.yml's worker service. Build from the repository root.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed uid, so files on mounted volumes have a predictable owner.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home helpline

WORKDIR /app

# What pip needs to build the package (pyproject names README.md as its readme).
COPY pyproject.toml README.md ./
COPY helpline ./helpline
COPY workers ./workers
# A regular (not editable) install: the code runs from site-packages, owned by
# root, so the service user cannot change it. The source copy goes, so nothing
# can import it by mistake instead (and a file missing from package-data shows).
RUN pip install . && rm -rf build *.egg-info helpline workers

# Default flows; docker-compose.yml mounts ./flows over this read-only.
COPY flows ./flows
ENV HELPLINE_FLOWS_DIR=/app/flows

# The console's accounts file lives here (a volume in docker-compose.yml); a new
# named volume takes this directory's owner, so the service user can write it.
RUN mkdir -p /app/console && chown helpline:helpline /app/console

USER helpline
EXPOSE 8000
CMD ["helpline", "serve", "--host", "0.0.0.0", "--port", "8000"]
