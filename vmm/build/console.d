build/console.o: console.c console.h
console.h:
