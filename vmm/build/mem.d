build/mem.o: mem.c mem.h
mem.h:
