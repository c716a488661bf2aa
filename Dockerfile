# One image for every Liaison service; docker-compose.yml picks the service with `liaison run`.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY liaison ./liaison
RUN pip install --no-cache-dir .
USER nobody
EXPOSE 8080
ENTRYPOINT ["liaison"]
