build/vm.o: vm.c acpi.h loader.h mem.h vm.h bus.h console.h options.h \
 pic.h pit.h irq.h pm.h rtc.h serial.h
acpi.h:
loader.h:
mem.h:
vm.h:
bus.h:
console.h:
options.h:
pic.h:
pit.h:
irq.h:
pm.h:
rtc.h:
serial.h:
