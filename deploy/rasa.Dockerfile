# The Rasa server (Python 3.10, rasa 3.6). The model is trained at build time from the repository.
FROM python:3.10-slim
WORKDIR /app
COPY requirements/rasa.txt requirements/rasa.txt
RUN pip install --no-cache-dir -r requirements/rasa.txt
COPY . .
ENV PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false
RUN rasa train --config config.yml --domain domain.yml --data nlu_data --out models \
      --fixed-model-name hue-assistant
EXPOSE 5005
