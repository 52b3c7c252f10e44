# The action server (Python 3.11, rasa-sdk, torch CPU, the knowledge index built at build time).
FROM python:3.11-slim
WORKDIR /app
COPY requirements/actions.txt requirements/actions.txt
# torch from the CPU index (PyPI's default wheel is the CUDA build)
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0" && pip install --no-cache-dir -r requirements/actions.txt
COPY . .
ENV PYTHONPATH=/app HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
RUN python -m knowledge build
EXPOSE 5055
