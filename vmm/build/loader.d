build/loader.o: loader.c loader.h mem.h
loader.h:
mem.h:
