build/options.o: options.c options.h
options.h:
